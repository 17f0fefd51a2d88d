package dev.clincher.gateway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.hc.client5.http.auth.AuthSchemeFactory;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Calls an OpenAI-compatible {@code /v1/chat/completions} (the router) with streaming on, and assembles the streamed
 * chunks into one {@link ChatStep}: text deltas are handed to a listener as they arrive, tool-call fragments are
 * joined by index. The connection is direct (the router is on the internal network; never through the egress proxy).
 *
 * <p>Apache HttpClient's classic (blocking) client: the request is written and the stream read on the calling thread
 * (a run's virtual thread), with no selector or executor hand-off per chunk; connections are pooled and kept between
 * calls. Interrupting the calling thread closes its socket (virtual threads' socket I/O is interruptible), which
 * cancels the call at the router. A POST is never re-sent: automatic retries are off.
 */
public final class ChatClient implements AutoCloseable {
  /** Longest SSE line accepted from the router, in bytes; a bigger one means something is wrong. */
  static final int MAX_LINE_BYTES = 4 * 1024 * 1024;
  /** Longest wait for the body's end after {@code [DONE]}; then the connection is cut instead of reused. */
  static final Duration DRAIN_WAIT = Duration.ofSeconds(2);
  /** Most bytes read after {@code [DONE]} to reach the body's end (a router sends none but blank lines). */
  private static final int DRAIN_MAX_BYTES = 64 * 1024;
  /** Most connections to the router at once (one per model call under way); more calls wait for one. */
  static final int MAX_CONNECTIONS = 4096;
  /** A kept connection idle this long is checked before reuse (a closed one is dropped, not written to). */
  private static final TimeValue VALIDATE_AFTER_IDLE = TimeValue.ofSeconds(1);
  /** Kept connections idle this long are closed (LiteLLM's uvicorn closes them after 5 s, Clincher's router 30 s). */
  private static final TimeValue CLOSE_AFTER_IDLE = TimeValue.ofSeconds(20);

  private final CloseableHttpClient http;
  private final DrainCuts drainCuts = new DrainCuts(DRAIN_WAIT);
  private final URI endpoint;
  private final Supplier<Secret> apiKey;
  private final ObjectMapper json;

  /**
   * @param baseUrl the router's base URL, e.g. {@code http://router:4000}
   * @param apiKey the router key (LiteLLM master key or a virtual key)
   * @param timeout the longest wait for the router's answer to begin, and then for each next part of its stream; the
   *     run's timeout bounds the whole
   */
  public ChatClient(URI baseUrl, Secret apiKey, Duration timeout, ObjectMapper json) {
    this(baseUrl, () -> apiKey, timeout, json);
  }

  /** The same with a key that may change between calls (re-read on SIGHUP after a rotation); each call asks once. */
  public ChatClient(URI baseUrl, Supplier<Secret> apiKey, Duration timeout, ObjectMapper json) {
    this.http = httpClient(timeout);
    this.endpoint = baseUrl.resolve("/v1/chat/completions");
    this.apiKey = apiKey;
    this.json = json;
  }

  /**
   * A pooling client without a proxy, retries, redirects, cookies, decompression or HTTP authentication schemes (a
   * 401 is the router's answer, not a challenge to negotiate): HTTP/1.1 to the router.
   */
  private static CloseableHttpClient httpClient(Duration timeout) {
    return HttpClients.custom()
        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
            .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).build())
            .setDefaultConnectionConfig(ConnectionConfig.custom()
                .setConnectTimeout(Timeout.ofSeconds(5))
                .setSocketTimeout(Timeout.of(timeout))
                .setValidateAfterInactivity(VALIDATE_AFTER_IDLE)
                .build())
            .setMaxConnTotal(MAX_CONNECTIONS)
            .setMaxConnPerRoute(MAX_CONNECTIONS)
            .build())
        .setDefaultRequestConfig(RequestConfig.custom()
            .setResponseTimeout(Timeout.of(timeout))
            .setConnectionRequestTimeout(Timeout.of(timeout))
            .build())
        .setDefaultAuthSchemeRegistry(RegistryBuilder.<AuthSchemeFactory>create().build()) // the key is a header
        .evictIdleConnections(CLOSE_AFTER_IDLE)
        .disableAutomaticRetries()
        .disableRedirectHandling()
        .disableCookieManagement()
        .disableAuthCaching()
        .disableContentCompression()
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
    HttpPost post = new HttpPost(endpoint);
    post.setHeader("Authorization", "Bearer " + apiKey.get().reveal());
    post.setHeader("Accept", "text/event-stream");
    post.setEntity(new ByteArrayEntity(body.toString().getBytes(StandardCharsets.UTF_8), ContentType.APPLICATION_JSON));
    ClassicHttpResponse response;
    try {
      response = http.executeOpen(null, post, null);
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("model call cancelled");
      }
      throw new LlmException(0, "connection_error", "", "the router could not be reached (" + e.getClass().getSimpleName() + ")");
    }
    boolean reusable = false;
    try {
      HttpEntity entity = response.getEntity();
      InputStream stream = entity == null ? InputStream.nullInputStream() : entity.getContent();
      if (response.getCode() != 200) {
        throw errorFrom(response.getCode(), stream);
      }
      ChatStep step = readStream(stream, onText);
      reusable = drainToEnd(stream, post);
      return step;
    } catch (StreamAssembler.ChunkException e) {
      throw new LlmException(0, "stream_limit", "", e.getMessage());
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("model call cancelled");
      }
      throw new LlmException(0, "stream_error", "", "the model stream broke off (" + e.getClass().getSimpleName() + ")");
    } finally {
      if (!reusable) {
        post.cancel(); // closes the connection at once: closing an unfinished body would read it to its end
      }
      closeQuietly(response);
    }
  }

  /** Closes the pooled connections and stops the drain's sweeper; call once no model call is under way. */
  @Override
  public void close() {
    drainCuts.close();
    http.close(CloseMode.IMMEDIATE);
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
        return assembler.result();
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
   * Reads the body after {@code [DONE]} to its end, so the connection goes back to the pool: an unfinished body
   * cannot be reused, and the run's next model call would open a new connection. Bounded: at most
   * {@link #DRAIN_MAX_BYTES}, and a router that keeps the stream open is cut after {@link #DRAIN_WAIT} (and at most a
   * sweep more, see {@link DrainCuts}). True when the body ended and the connection can be reused.
   */
  private boolean drainToEnd(InputStream stream, HttpPost post) {
    try (DrainCuts.Watch watch = drainCuts.watch(post::cancel)) {
      byte[] rest = new byte[1024];
      int left = DRAIN_MAX_BYTES;
      int read;
      while ((read = stream.read(rest, 0, Math.min(rest.length, left))) != -1) {
        left -= read;
        if (left == 0) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false; // cut, or broken after the answer was complete: the connection is closed instead of reused
    }
  }

  private static void closeQuietly(ClassicHttpResponse response) {
    try {
      response.close();
    } catch (IOException e) {
      // the connection was cut; closing is all that was wanted
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
