package dev.clincher.gateway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Calls an OpenAI-compatible {@code /v1/chat/completions} (the router) with streaming on, and assembles the streamed
 * chunks into one {@link ChatStep}: text deltas are handed to a listener as they arrive, tool-call fragments are
 * joined by index. The connection is direct (the router is on the internal network; never through the egress proxy).
 * Interrupting the calling thread closes the stream, which cancels the call at the router.
 */
public final class ChatClient {
  /** Longest SSE line accepted from the router, in bytes; a bigger one means something is wrong. */
  static final int MAX_LINE_BYTES = 4 * 1024 * 1024;
  /** Longest wait for the body's end after {@code [DONE]}; then the connection is cut instead of reused. */
  static final Duration DRAIN_WAIT = Duration.ofSeconds(2);
  /** Most bytes read after {@code [DONE]} to reach the body's end (a router sends none but blank lines). */
  private static final int DRAIN_MAX_BYTES = 64 * 1024;

  private final HttpClient http;
  private final URI endpoint;
  private final Supplier<Secret> apiKey;
  private final Duration timeout;
  private final ObjectMapper json;

  /**
   * @param baseUrl the router's base URL, e.g. {@code http://router:4000}
   * @param apiKey the router key (LiteLLM master key or a virtual key)
   * @param timeout the longest wait for the router's answer to begin (its head); the run's timeout bounds the rest
   */
  public ChatClient(URI baseUrl, Secret apiKey, Duration timeout, ObjectMapper json) {
    this(baseUrl, () -> apiKey, timeout, json);
  }

  /** The same with a key that may change between calls (re-read on SIGHUP after a rotation); each call asks once. */
  public ChatClient(URI baseUrl, Supplier<Secret> apiKey, Duration timeout, ObjectMapper json) {
    this.http = defaultHttpClient();
    this.endpoint = baseUrl.resolve("/v1/chat/completions");
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.json = json;
  }

  /** A client without a proxy, HTTP/1.1 (the router speaks both; 1.1 keeps one stream per connection). */
  public static HttpClient defaultHttpClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /**
   * Streams one completion.
   *
   * @param request the OpenAI request body without {@code stream} (set here)
   * @param onText receives each text delta as it arrives
   */
  public ChatStep complete(ObjectNode request, Consumer<String> onText) throws LlmException, InterruptedException {
    ObjectNode body = request.deepCopy();
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    HttpRequest httpRequest = HttpRequest.newBuilder(endpoint)
        .timeout(timeout)
        .header("Authorization", "Bearer " + apiKey.get().reveal())
        .header("Content-Type", "application/json")
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(httpRequest, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new LlmException(0, "connection_error", "", "the router could not be reached (" + e.getClass().getSimpleName() + ")");
    }
    try (InputStream stream = response.body()) {
      if (response.statusCode() != 200) {
        throw errorFrom(response.statusCode(), stream);
      }
      return readStream(stream, onText);
    } catch (StreamAssembler.ChunkException e) {
      throw new LlmException(0, "stream_limit", "", e.getMessage());
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("model call cancelled");
      }
      throw new LlmException(0, "stream_error", "", "the model stream broke off (" + e.getClass().getSimpleName() + ")");
    }
  }

  private ChatStep readStream(InputStream stream, Consumer<String> onText) throws IOException, LlmException,
      InterruptedException {
    StreamAssembler assembler = new StreamAssembler();
    SseLines lines = new SseLines(stream, MAX_LINE_BYTES);
    String line;
    while ((line = lines.next()) != null) {
      if (Thread.interrupted()) {
        throw new InterruptedException("model call cancelled");
      }
      if (!line.startsWith("data:")) {
        continue; // comments, event names, blank separators
      }
      String data = line.substring(5).strip();
      if (data.equals("[DONE]")) {
        ChatStep step = assembler.result();
        drainToEnd(stream);
        return step;
      }
      JsonNode chunk = json.readTree(data);
      if (chunk.has("error")) {
        JsonNode error = chunk.get("error");
        throw new LlmException(200, error.path("type").asText(), error.path("code").asText(),
            "the model stream ended with an error: " + error.path("message").asText("unknown"));
      }
      String text = assembler.accept(chunk);
      if (!text.isEmpty()) {
        onText.accept(text);
      }
    }
    throw new LlmException(0, "stream_error", "", "the model stream ended without [DONE]");
  }

  /**
   * Reads the body after {@code [DONE]} to its end, so the JDK client returns the connection to its pool: closing an
   * unfinished body drops the connection, and the run's next model call would open a new one. Bounded: at most
   * {@link #DRAIN_MAX_BYTES}, and a router that keeps the stream open is cut after {@link #DRAIN_WAIT}.
   */
  private static void drainToEnd(InputStream stream) {
    CompletableFuture<Void> cut = CompletableFuture.runAsync(() -> closeQuietly(stream),
        CompletableFuture.delayedExecutor(DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS));
    try {
      byte[] rest = new byte[1024];
      int left = DRAIN_MAX_BYTES;
      int read;
      while (left > 0 && (read = stream.read(rest, 0, Math.min(rest.length, left))) != -1) {
        left -= read;
      }
    } catch (IOException e) {
      // cut, or broken after the answer was complete: the connection is closed instead of reused
    } finally {
      cut.cancel(false);
    }
  }

  private static void closeQuietly(InputStream stream) {
    try {
      stream.close();
    } catch (IOException e) {
      // closing is all that was wanted
    }
  }

  private LlmException errorFrom(int status, InputStream stream) throws IOException {
    byte[] bytes = stream.readNBytes(64 * 1024);
    JsonNode error;
    try {
      error = json.readTree(bytes).path("error");
    } catch (IOException notJson) {
      error = json.createObjectNode();
    }
    String message = error.path("message").asText("");
    if (message.isEmpty()) {
      message = "the router answered HTTP " + status;
    }
    return new LlmException(status, error.path("type").asText(), error.path("code").asText(), message);
  }

  /** Builds the OpenAI {@code tools} array entry for one function. */
  public static ObjectNode functionTool(ObjectMapper json, String name, String description, JsonNode parameters) {
    ObjectNode tool = json.createObjectNode();
    tool.put("type", "function");
    ObjectNode function = tool.putObject("function");
    function.put("name", name);
    function.put("description", description);
    function.set("parameters", parameters);
    return tool;
  }
}
