package dev.clincher.gateway.channel.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Telegram Bot API on loopback speaking the wire protocol: {@code POST /bot<token>/<method>} with JSON,
 * answers {@code {"ok":true,"result":…}} or {@code {"ok":false,"error_code":…,"description":…}} (with
 * {@code parameters.retry_after} for 429). It holds updates for {@code getUpdates} (long polls wait, a second
 * concurrent poll gets 409), keeps the messages sent and edited per chat, enforces the 4,096-character limit,
 * refuses HTML it cannot parse and edits that change nothing, and lets a test script failures and delays.
 */
final class FakeBotApi implements AutoCloseable {
  static final String TOKEN = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";
  static final String BOT_ID = "123456789";
  static final String BOT_USERNAME = "clincher_test_bot";
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PATH = Pattern.compile("/bot([^/]+)/([A-Za-z]+)");
  private static final Pattern FILE = Pattern.compile("/file/bot([^/]+)/(.+)");
  private static final Pattern TAG = Pattern.compile("<(/?)([a-z]+)(\\s+href=\"[^\"<>]*\")?>");

  /** One call as received: the method, its parameters, the Host header (who it was addressed to), and when. */
  record Call(String method, JsonNode params, String host, java.time.Instant at) {}

  /**
   * A file the fake holds for {@code getFile} and the download route.
   *
   * @param filePath the {@code file_path} getFile answers (a test may make it hostile)
   * @param content the bytes served
   * @param sendLength whether the download says its Content-Length (else it is streamed chunked)
   * @param announceSize whether getFile gives the file_size (Telegram may leave it out)
   */
  record StoredFile(String filePath, byte[] content, boolean sendLength, boolean announceSize) {}

  /** A message in a chat as it stands now, and every text it had. */
  record ChatMessage(long id, List<String> versions) {
    String text() {
      return versions.getLast();
    }
  }

  private final HttpServer server;
  private final List<Call> calls = new ArrayList<>();
  private final Deque<ObjectNode> pendingUpdates = new ArrayDeque<>();
  private final Map<String, Deque<String>> scriptedFailures = new HashMap<>();
  private final Map<String, Duration> delays = new HashMap<>();
  private final Map<String, List<ChatMessage>> chats = new HashMap<>();
  private long nextUpdateId = 1000;
  private long nextMessageId = 1;
  private int pollsInFlight;
  private boolean refuseAllHtml;
  private JsonNode webhook;
  private final Map<String, StoredFile> files = new HashMap<>();
  private final List<String> downloads = new ArrayList<>();
  private final List<Long> bytesServed = new ArrayList<>();

  FakeBotApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::exchange);
    server.start();
  }

  URI baseUrl() {
    return URI.create("http://127.0.0.1:" + port());
  }

  int port() {
    return server.getAddress().getPort();
  }

  // ---- what a test scripts

  /** Queues a private text message from {@code senderId}; returns its update id. */
  synchronized long userWrites(String senderId, String text) {
    ObjectNode update = newUpdate();
    ObjectNode message = update.putObject("message").put("message_id", nextMessageId++).put("date", 0)
        .put("text", text);
    message.putObject("from").put("id", Long.parseLong(senderId)).put("is_bot", false).put("first_name", "U");
    message.putObject("chat").put("id", Long.parseLong(senderId)).put("type", "private");
    return queue(update);
  }

  /**
   * Queues a private message with a document from {@code senderId}, its file held for getFile and the download;
   * {@code declaredSize} is the file_size the update announces (-1: none).
   */
  synchronized long userSendsDocument(String senderId, String fileName, String caption, StoredFile file,
      long declaredSize) {
    String fileId = "BQACAgIAAxkBAAI" + files.size();
    files.put(fileId, file);
    ObjectNode update = newUpdate();
    ObjectNode message = update.putObject("message").put("message_id", nextMessageId++).put("date", 0)
        .put("caption", caption);
    message.putObject("from").put("id", Long.parseLong(senderId)).put("is_bot", false).put("first_name", "U");
    message.putObject("chat").put("id", Long.parseLong(senderId)).put("type", "private");
    ObjectNode document = message.putObject("document").put("file_id", fileId).put("file_unique_id", "u" + fileId)
        .put("file_name", fileName);
    if (declaredSize >= 0) {
      document.put("file_size", declaredSize);
    }
    return queue(update);
  }

  /** The file paths downloaded (GET /file/bot…/path), whatever their outcome. */
  synchronized List<String> downloads() {
    return List.copyOf(downloads);
  }

  /** How many bytes each download wrote before it ended or the client dropped it. */
  synchronized List<Long> bytesServed() {
    return List.copyOf(bytesServed);
  }

  /** Queues any update (its update_id is set here); returns the id. */
  synchronized long queue(ObjectNode update) {
    long id = update.has("update_id") ? update.get("update_id").asLong() : nextUpdateId++;
    update.put("update_id", id);
    pendingUpdates.add(update);
    notifyAll();
    return id;
  }

  synchronized ObjectNode newUpdate() {
    return JSON.createObjectNode().put("update_id", nextUpdateId++);
  }

  /** The next call of {@code method} fails with this status and description (429: retry after {@code wait} s). */
  synchronized void failNext(String method, int status, String description) {
    scriptedFailures.computeIfAbsent(method, m -> new ArrayDeque<>()).add(status + "|" + description);
  }

  synchronized void delay(String method, Duration delay) {
    delays.put(method, delay);
  }

  synchronized void refuseAllHtml(boolean refuse) {
    refuseAllHtml = refuse;
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  synchronized List<Call> calls(String method) {
    return calls.stream().filter(call -> call.method().equals(method)).toList();
  }

  synchronized List<ChatMessage> messages(String chatId) {
    return List.copyOf(chats.getOrDefault(chatId, List.of()));
  }

  /** The texts of a chat's messages as they stand now, in order. */
  synchronized List<String> texts(String chatId) {
    return messages(chatId).stream().map(ChatMessage::text).toList();
  }

  // ---- the wire

  private void exchange(HttpExchange exchange) throws IOException {
    try (exchange) {
      Matcher file = FILE.matcher(exchange.getRequestURI().getRawPath());
      if (file.matches() && exchange.getRequestMethod().equals("GET")) {
        download(exchange, file.group(1), file.group(2));
        return;
      }
      Matcher path = PATH.matcher(exchange.getRequestURI().getPath());
      if (!path.matches() || !exchange.getRequestMethod().equals("POST")) {
        send(exchange, 404, error(404, "Not Found"));
        return;
      }
      JsonNode params = JSON.readTree(exchange.getRequestBody());
      String method = path.group(2);
      synchronized (this) {
        calls.add(new Call(method, params, exchange.getRequestHeaders().getFirst("Host"), java.time.Instant.now()));
      }
      if (!path.group(1).equals(TOKEN)) {
        send(exchange, 401, error(401, "Unauthorized"));
        return;
      }
      pause(method);
      ObjectNode answer = scripted(method);
      if (answer == null) {
        answer = answer(method, params);
      }
      send(exchange, answer.path("ok").asBoolean() ? 200 : answer.get("error_code").asInt(), answer);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pause(String method) throws InterruptedException {
    Duration delay;
    synchronized (this) {
      delay = delays.get(method);
    }
    if (delay != null) {
      Thread.sleep(delay);
    }
  }

  private synchronized ObjectNode scripted(String method) {
    Deque<String> failures = scriptedFailures.get(method);
    if (failures == null || failures.isEmpty()) {
      return null;
    }
    String[] failure = failures.poll().split("\\|", 2);
    int status = Integer.parseInt(failure[0]);
    ObjectNode error = error(status, failure[1]);
    Matcher retry = Pattern.compile("retry after (\\d+)").matcher(failure[1]);
    if (status == 429 && retry.find()) {
      error.putObject("parameters").put("retry_after", Integer.parseInt(retry.group(1)));
    }
    return error;
  }

  private ObjectNode answer(String method, JsonNode params) throws InterruptedException {
    return switch (method) {
      case "getMe" -> ok().set("result", JSON.createObjectNode().put("id", Long.parseLong(BOT_ID))
          .put("is_bot", true).put("first_name", "Clincher").put("username", BOT_USERNAME));
      case "getUpdates" -> getUpdates(params);
      case "sendMessage" -> sendMessage(params);
      case "editMessageText" -> editMessageText(params);
      case "sendChatAction" -> ok().put("result", true);
      case "setWebhook" -> setWebhook(params);
      case "deleteWebhook" -> setWebhook(null);
      case "getFile" -> getFile(params);
      default -> error(404, "Not Found: method not found");
    };
  }

  /** Telegram's getFile: the File object with its file_path, or 400 for an unknown id. */
  private synchronized ObjectNode getFile(JsonNode params) {
    String fileId = params.path("file_id").asText();
    StoredFile file = files.get(fileId);
    if (file == null) {
      return error(400, "Bad Request: invalid file_id");
    }
    ObjectNode answer = ok();
    ObjectNode result = answer.putObject("result").put("file_id", fileId).put("file_unique_id", "u" + fileId)
        .put("file_path", file.filePath());
    if (file.announceSize()) {
      result.put("file_size", file.content().length);
    }
    return answer;
  }

  /** The download route: the file's bytes in 64 KiB writes, counting what got out before the client hung up. */
  private void download(HttpExchange exchange, String token, String filePath) throws IOException {
    StoredFile file;
    synchronized (this) {
      downloads.add(filePath);
      file = token.equals(TOKEN) ? files.values().stream().filter(f -> f.filePath().equals(filePath)).findFirst()
          .orElse(null) : null;
    }
    if (file == null) {
      send(exchange, 404, error(404, "Not Found"));
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    exchange.sendResponseHeaders(200, file.sendLength() ? file.content().length : 0);
    long served = 0;
    try {
      for (int at = 0; at < file.content().length; at += 65536) {
        int length = Math.min(65536, file.content().length - at);
        exchange.getResponseBody().write(file.content(), at, length);
        exchange.getResponseBody().flush();
        served += length;
      }
    } catch (IOException e) {
      // the client dropped the download
    } finally {
      synchronized (this) {
        bytesServed.add(served);
      }
    }
  }

  private synchronized ObjectNode setWebhook(JsonNode params) {
    if (params != null && !params.path("url").asText().startsWith("https://")) {
      return error(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
    }
    webhook = params;
    return ok().put("result", true);
  }

  /** A webhook left set by an earlier run (or another tool). */
  synchronized void presetWebhook(JsonNode params) {
    webhook = params;
  }

  /** The parameters of the webhook set now, or null. */
  synchronized JsonNode webhook() {
    return webhook;
  }

  private ObjectNode getUpdates(JsonNode params) throws InterruptedException {
    synchronized (this) {
      if (webhook != null) {
        return error(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
            + "delete the webhook first");
      }
      if (pollsInFlight > 0) {
        return error(409, "Conflict: terminated by other getUpdates request; make sure that only one bot "
            + "instance is running");
      }
      pollsInFlight++;
    }
    try {
      long offset = params.path("offset").asLong(0);
      long deadline = System.nanoTime() + Duration.ofSeconds(params.path("timeout").asLong(0)).toNanos();
      synchronized (this) {
        pendingUpdates.removeIf(update -> update.get("update_id").asLong() < offset);
        while (pendingUpdates.isEmpty() && System.nanoTime() < deadline) {
          wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        ObjectNode answer = ok();
        answer.putArray("result").addAll(List.copyOf(pendingUpdates));
        return answer;
      }
    } finally {
      synchronized (this) {
        pollsInFlight--;
      }
    }
  }

  private synchronized ObjectNode sendMessage(JsonNode params) {
    ObjectNode refusal = refusalOfText(params);
    if (refusal != null) {
      return refusal;
    }
    ChatMessage message = new ChatMessage(nextMessageId++, new ArrayList<>(List.of(params.get("text").asText())));
    chats.computeIfAbsent(params.path("chat_id").asText(), c -> new ArrayList<>()).add(message);
    ObjectNode answer = ok();
    answer.putObject("result").put("message_id", message.id()).put("text", message.text());
    return answer;
  }

  private synchronized ObjectNode editMessageText(JsonNode params) {
    ObjectNode refusal = refusalOfText(params);
    if (refusal != null) {
      return refusal;
    }
    ChatMessage message = chats.getOrDefault(params.path("chat_id").asText(), List.of()).stream()
        .filter(m -> m.id() == params.path("message_id").asLong()).findFirst().orElse(null);
    if (message == null) {
      return error(400, "Bad Request: message to edit not found");
    }
    if (message.text().equals(params.get("text").asText())) {
      return error(400, "Bad Request: message is not modified: specified new message content and reply markup are "
          + "exactly the same as a current content and reply markup of the message");
    }
    message.versions().add(params.get("text").asText());
    ObjectNode answer = ok();
    answer.putObject("result").put("message_id", message.id());
    return answer;
  }

  /** Telegram's checks of a text: present, parseable in its parse mode, at most 4,096 characters once parsed. */
  private ObjectNode refusalOfText(JsonNode params) {
    String text = params.path("text").asText("");
    boolean html = params.path("parse_mode").asText("").equals("HTML");
    if (html && (refuseAllHtml || !parsesAsTelegramHtml(text))) {
      return error(400, "Bad Request: can't parse entities: Unsupported start tag at byte offset 0");
    }
    String visible = html ? visibleText(text) : text;
    if (visible.isBlank()) {
      return error(400, "Bad Request: message text is empty");
    }
    if (visible.length() > MessageSplitter.TELEGRAM_LIMIT) {
      return error(400, "Bad Request: message is too long");
    }
    return null;
  }

  static boolean parsesAsTelegramHtml(String text) {
    Deque<String> open = new ArrayDeque<>();
    Matcher tag = TAG.matcher(text);
    int at = 0;
    while (tag.find()) {
      if (!plainHtmlText(text.substring(at, tag.start()))) {
        return false;
      }
      String name = tag.group(2);
      if (!List.of("b", "i", "code", "pre", "a").contains(name) || (tag.group(3) != null) != (name.equals("a")
          && tag.group(1).isEmpty())) {
        return false;
      }
      if (tag.group(1).isEmpty()) {
        open.push(name);
      } else if (open.isEmpty() || !open.pop().equals(name)) {
        return false;
      }
      at = tag.end();
    }
    return plainHtmlText(text.substring(at)) && open.isEmpty();
  }

  private static boolean plainHtmlText(String text) {
    return !text.contains("<") && !text.contains(">")
        && text.replaceAll("&(amp|lt|gt|quot);", "").indexOf('&') < 0;
  }

  static String visibleText(String html) {
    return html.replaceAll("<[^>]+>", "").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
        .replace("&amp;", "&");
  }

  private static ObjectNode ok() {
    return JSON.createObjectNode().put("ok", true);
  }

  static ObjectNode error(int code, String description) {
    return JSON.createObjectNode().put("ok", false).put("error_code", code).put("description", description);
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    if ("close".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Connection"))) {
      exchange.getResponseHeaders().set("Connection", "close"); // as a real server answers the egress's forwarding
    }
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
