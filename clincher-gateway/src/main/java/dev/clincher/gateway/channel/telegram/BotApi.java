package dev.clincher.gateway.channel.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A client of the Telegram Bot API ({@code <base>/bot<token>/<method>}, JSON in and out) through the egress proxy.
 * Every failure is a {@link BotApiException} whose text is redacted; the request, whose URI holds the token, is never
 * logged or put into a message.
 */
public final class BotApi implements AutoCloseable {
  /** Longest answer read from Telegram (a getUpdates batch of 100 long messages stays well below). */
  static final int MAX_ANSWER_BYTES = 8 * 1024 * 1024;
  /** A {@code file_path} as Telegram gives it ({@code documents/file_12.pdf}): relative, plain segments. */
  private static final String FILE_PATH_SEGMENT = "[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}";
  private static final Pattern FILE_PATH =
      Pattern.compile(FILE_PATH_SEGMENT + "(/" + FILE_PATH_SEGMENT + "){0,4}");

  private final BotApiSettings settings;
  private final BotToken token;
  private final HttpClient http;
  private final ObjectMapper json;
  private final TelegramMetrics metrics;

  public BotApi(BotApiSettings settings, BotToken token, ObjectMapper json, TelegramMetrics metrics) {
    this.settings = settings;
    this.token = token;
    this.json = json;
    this.metrics = metrics;
    this.http = HttpClient.newBuilder()
        .proxy(settings.egressProxy().map(ProxySelector::of).orElse(HttpClient.Builder.NO_PROXY))
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.connectTimeout())
        .build();
  }

  public BotToken token() {
    return token;
  }

  /** Where this bot's counters go (its poller, inbound path and replies count there too). */
  public TelegramMetrics metrics() {
    return metrics;
  }

  /** {@code getMe}: the bot's own user. */
  public BotIdentity getMe() throws BotApiException, InterruptedException {
    JsonNode me = call("getMe", json.createObjectNode(), settings.requestTimeout());
    return new BotIdentity(me.path("id").asText(), me.path("username").asText());
  }

  /**
   * {@code getUpdates}: the updates from {@code offset} on, waiting up to {@code longPoll} for the first one.
   * Telegram forgets every update below {@code offset}, so pass one past the last update handed off.
   */
  public List<Update> getUpdates(long offset, Duration longPoll) throws BotApiException, InterruptedException {
    ObjectNode params = json.createObjectNode().put("offset", offset).put("timeout", longPoll.toSeconds());
    params.putArray("allowed_updates").add("message");
    JsonNode result = call("getUpdates", params, settings.requestTimeout().plus(longPoll));
    List<Update> updates = new ArrayList<>();
    for (JsonNode update : result) {
      updates.add(Update.parse(update));
    }
    return updates;
  }

  /** {@code sendMessage}: the new message's id. */
  public long sendMessage(String chatId, String text, ParseMode mode) throws BotApiException, InterruptedException {
    ObjectNode params = json.createObjectNode().put("chat_id", chatId).put("text", text);
    mode.addTo(params);
    params.putObject("link_preview_options").put("is_disabled", true);
    return call("sendMessage", params, settings.requestTimeout()).path("message_id").asLong();
  }

  /** {@code editMessageText}: replaces a message's text. */
  public void editMessageText(String chatId, long messageId, String text, ParseMode mode)
      throws BotApiException, InterruptedException {
    ObjectNode params = json.createObjectNode().put("chat_id", chatId).put("message_id", messageId).put("text", text);
    mode.addTo(params);
    params.putObject("link_preview_options").put("is_disabled", true);
    call("editMessageText", params, settings.requestTimeout());
  }

  /** {@code sendChatAction}: shows e.g. {@code typing} in the chat for five seconds or until the next message. */
  public void sendChatAction(String chatId, String action) throws BotApiException, InterruptedException {
    call("sendChatAction", json.createObjectNode().put("chat_id", chatId).put("action", action),
        settings.requestTimeout());
  }

  /**
   * {@code setWebhook}: Telegram POSTs updates to {@code url} with {@code secretToken} in
   * {@link WebhookHandler#SECRET_HEADER} from now on (and {@code getUpdates} answers 409 until the webhook is
   * deleted).
   */
  public void setWebhook(URI url, Secret secretToken)
      throws BotApiException, InterruptedException {
    ObjectNode params = json.createObjectNode().put("url", url.toString())
        .put("secret_token", secretToken.reveal()).put("max_connections", 4);
    params.putArray("allowed_updates").add("message");
    call("setWebhook", params, settings.requestTimeout());
  }

  /** {@code deleteWebhook}: back to {@code getUpdates}; pending updates are kept for the poller. */
  public void deleteWebhook() throws BotApiException, InterruptedException {
    call("deleteWebhook", json.createObjectNode().put("drop_pending_updates", false), settings.requestTimeout());
  }

  /** Where a file the bot received is: its {@code file_path} (for {@link #download}) and its {@code file_size}. */
  public record FileLocation(String filePath, long size) {}

  /** {@code getFile}: where the file with this id can be downloaded. */
  public FileLocation getFile(String fileId) throws BotApiException, InterruptedException {
    JsonNode file = call("getFile", json.createObjectNode().put("file_id", fileId), settings.requestTimeout());
    return new FileLocation(file.path("file_path").asText(""), file.path("file_size").asLong(-1));
  }

  /**
   * Downloads a file ({@code <base>/file/bot<token>/<file_path>}) through the egress, as the other calls go. A
   * {@code file_path} that is not a plain relative path is refused before any request; a file larger than
   * {@code maxBytes} is refused by its Content-Length before its body is read, or while reading once the count passes
   * {@code maxBytes} (the connection is then dropped).
   */
  public byte[] download(String filePath, long maxBytes)
      throws BotApiException, FileRefusedException, InterruptedException {
    if (!FILE_PATH.matcher(filePath).matches() || filePath.contains("..")) {
      throw new FileRefusedException("file_path_invalid", "Telegram gave a file path that is not a plain relative path");
    }
    String base = settings.baseUrl().toString().replaceAll("/+$", "");
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/file" + token.pathPrefix() + filePath))
        .timeout(settings.requestTimeout().multipliedBy(2)).GET().build();
    try {
      HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          throw new BotApiException("download", response.statusCode(), "HTTP " + response.statusCode(),
              Optional.empty());
        }
        long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared > maxBytes) {
          throw tooLarge(maxBytes);
        }
        byte[] content = body.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8));
        if (content.length > maxBytes) {
          throw tooLarge(maxBytes); // closing the stream unread drops the connection
        }
        return content;
      }
    } catch (HttpTimeoutException e) {
      throw failed(new BotApiException("download", 0, "no answer in time", Optional.empty()));
    } catch (IOException e) {
      throw failed(new BotApiException("download", 0, "Telegram could not be reached (" + e.getClass().getSimpleName()
          + ": " + token.redact(e.getMessage()) + ")", Optional.empty()));
    } catch (BotApiException e) {
      throw failed(e);
    }
  }

  static FileRefusedException tooLarge(long maxBytes) {
    return new FileRefusedException("file_too_large", "the file is larger than " + maxBytes + " bytes "
        + "(channels.telegram.max_file_bytes)");
  }

  private BotApiException failed(BotApiException e) {
    metrics.apiError("download", e.errorCode());
    return e;
  }

  /** Calls one method and returns its {@code result}. */
  public JsonNode call(String method, ObjectNode params, Duration timeout)
      throws BotApiException, InterruptedException {
    try {
      return send(method, params, timeout);
    } catch (BotApiException e) {
      metrics.apiError(method, e.errorCode());
      throw e;
    }
  }

  private JsonNode send(String method, ObjectNode params, Duration timeout)
      throws BotApiException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uriOf(method))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(params.toString()))
        .build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      throw new BotApiException(method, 0, "no answer within " + timeout.toSeconds() + " s", Optional.empty());
    } catch (IOException e) {
      throw new BotApiException(method, 0, "Telegram could not be reached (" + e.getClass().getSimpleName() + ": "
          + token.redact(e.getMessage()) + ")", Optional.empty());
    }
    JsonNode answer = answerOf(method, response);
    if (answer.path("ok").asBoolean(false) && response.statusCode() == 200) {
      return answer.path("result");
    }
    throw failureOf(method, response.statusCode(), answer);
  }

  /** The answer's JSON, read up to {@link #MAX_ANSWER_BYTES}. */
  private JsonNode answerOf(String method, HttpResponse<InputStream> response) throws BotApiException {
    try (InputStream body = response.body()) {
      byte[] bytes = body.readNBytes(MAX_ANSWER_BYTES + 1);
      JsonNode answer = bytes.length > MAX_ANSWER_BYTES ? null : json.readTree(bytes);
      if (answer == null || !answer.isObject()) {
        throw new IOException("not a JSON object");
      }
      return answer;
    } catch (IOException e) {
      throw new BotApiException(method, response.statusCode(), "not a Bot API answer (HTTP "
          + response.statusCode() + ")", Optional.empty());
    }
  }

  /** Telegram's {@code ok:false}: its code, its (redacted) description and how long it asked to wait. */
  private BotApiException failureOf(String method, int status, JsonNode answer) {
    JsonNode retryAfter = answer.path("parameters").path("retry_after");
    Optional<Duration> wait = retryAfter.canConvertToInt()
        ? Optional.of(Duration.ofSeconds(Math.max(0, retryAfter.asInt()))) : Optional.empty();
    return new BotApiException(method, answer.path("error_code").asInt(status),
        token.redact(answer.path("description").asText("")), wait);
  }

  private URI uriOf(String method) {
    String base = settings.baseUrl().toString().replaceAll("/+$", "");
    return URI.create(base + token.pathPrefix() + method);
  }

  @Override
  public void close() {
    http.close();
  }
}
