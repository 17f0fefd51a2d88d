package dev.clincher.gateway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.Proxy;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Calls an OpenAI-compatible {@code /v1/chat/completions} (the router) with streaming on, and assembles the streamed
 * chunks into one {@link ChatStep}: text deltas are handed to a listener as they arrive, tool-call fragments are
 * joined by index. The connection is direct (the router is on the internal network; never through the egress proxy).
 *
 * <p>The transport is the JDK's blocking {@link HttpURLConnection}, on the run's own (virtual) thread: the request is
 * written and the stream read where the loop runs, with no hand-off to client threads (the JDK's asynchronous
 * {@code java.net.http.HttpClient} took ~1.4 ms of CPU per model call on its selector and worker threads, measured in
 * bench/gateway). Idle connections are kept alive and reused by the JDK between calls. The body is sent in
 * fixed-length streaming mode, which also keeps the JDK from re-sending a POST on a stale connection (a paid
 * completion is never sent twice by the client). Interrupting the calling thread closes the socket (virtual threads'
 * blocking socket calls are interruptible), which cancels the call at the router.
 */
public final class ChatClient {
  /** Longest SSE line accepted from the router, in bytes; a bigger one means something is wrong. */
  static final int MAX_LINE_BYTES = 4 * 1024 * 1024;
  /** Longest wait for the body's end after {@code [DONE]}; then the connection is cut instead of reused. */
  static final Duration DRAIN_WAIT = Duration.ofSeconds(2);
  /** Most bytes read after {@code [DONE]} to reach the body's end (a router sends none but blank lines). */
  private static final int DRAIN_MAX_BYTES = 64 * 1024;
  /** Longest wait for the router to accept the connection. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private static final ThreadFactory DRAINERS = Thread.ofVirtual().name("clincher-chat-drain").factory();

  private final URL endpoint;
  private final Supplier<Secret> apiKey;
  private final Duration timeout;
  private final ObjectMapper json;

  /**
   * @param baseUrl the router's base URL, e.g. {@code http://router:4000}
   * @param apiKey the router key (LiteLLM master key or a virtual key)
   * @param timeout the longest the router may stay silent: for the answer's head, and between two reads of the stream
   */
  public ChatClient(URI baseUrl, Secret apiKey, Duration timeout, ObjectMapper json) {
    this(baseUrl, () -> apiKey, timeout, json);
  }

  /** The same with a key that may change between calls (re-read on SIGHUP after a rotation); each call asks once. */
  public ChatClient(URI baseUrl, Supplier<Secret> apiKey, Duration timeout, ObjectMapper json) {
    try {
      this.endpoint = baseUrl.resolve("/v1/chat/completions").toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("the router URL is not an http(s) URL: " + baseUrl, e);
    }
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.json = json;
  }

  /** A JDK client without a proxy, HTTP/1.1, for the gateway's other calls to the router (readiness). */
  public static HttpClient defaultHttpClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(CONNECT_TIMEOUT)
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
    HttpURLConnection connection = open(body);
    try (InputStream stream = connection.getInputStream()) {
      return readStream(stream, onText);
    } catch (StreamAssembler.ChunkException e) {
      throw new LlmException(0, "stream_limit", "", e.getMessage());
    } catch (IOException e) {
      connection.disconnect();
      throw failure(e, "stream_error", "the model stream broke off");
    }
  }

  /** Sends the request and reads the answer's head; a 200 comes back, anything else is thrown as its error. */
  private HttpURLConnection open(ObjectNode body) throws LlmException, InterruptedException {
    HttpURLConnection connection = null;
    try {
      byte[] bytes = json.writeValueAsBytes(body);
      connection = (HttpURLConnection) endpoint.openConnection(Proxy.NO_PROXY);
      connection.setRequestMethod("POST");
      connection.setInstanceFollowRedirects(false);
      connection.setUseCaches(false);
      connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
      connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      connection.setDoOutput(true);
      connection.setFixedLengthStreamingMode(bytes.length); // and so never re-sent by the JDK on a stale connection
      connection.setRequestProperty("Authorization", "Bearer " + apiKey.get().reveal());
      connection.setRequestProperty("Content-Type", "application/json");
      connection.setRequestProperty("Accept", "text/event-stream");
      try (OutputStream out = connection.getOutputStream()) {
        out.write(bytes);
      }
      int status = connection.getResponseCode();
      if (status != 200) {
        LlmException error;
        try (InputStream stream = connection.getErrorStream()) {
          error = errorFrom(status, stream == null ? InputStream.nullInputStream() : stream);
        }
        throw error;
      }
      return connection;
    } catch (IOException e) {
      if (connection != null) {
        connection.disconnect();
      }
      throw failure(e, "connection_error", "the router could not be reached");
    }
  }

  /** An I/O failure as the run sees it: a cancellation when the thread was interrupted, else the model's error. */
  private static LlmException failure(IOException e, String type, String message) throws InterruptedException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedException("model call cancelled");
    }
    return new LlmException(0, type, "", message + " (" + e.getClass().getSimpleName() + ")");
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
   * Reads the body after {@code [DONE]} to its end, so the JDK keeps the connection for the next call: closing an
   * unfinished body drops the connection, and the run's next model call would open a new one. Bounded: at most
   * {@link #DRAIN_MAX_BYTES}, and a router that keeps the stream open is cut after {@link #DRAIN_WAIT}. The reading is
   * done by a virtual thread of its own, so the cut can interrupt it (which closes the socket) without touching the
   * run's thread, whose interrupt means a stop; a stop while waiting here cuts the drain and is kept for the loop.
   */
  private static void drainToEnd(InputStream stream) {
    Thread drainer = DRAINERS.newThread(() -> {
      try {
        byte[] rest = new byte[1024];
        int left = DRAIN_MAX_BYTES;
        int read;
        while (left > 0 && (read = stream.read(rest, 0, Math.min(rest.length, left))) != -1) {
          left -= read;
        }
      } catch (IOException e) {
        // cut, or broken after the answer was complete: the connection is closed instead of reused
      }
    });
    drainer.start();
    try {
      if (!drainer.join(DRAIN_WAIT)) {
        drainer.interrupt();
      }
    } catch (InterruptedException e) {
      drainer.interrupt();
      Thread.currentThread().interrupt(); // the run was stopped: the answer is complete, the loop sees the stop next
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
