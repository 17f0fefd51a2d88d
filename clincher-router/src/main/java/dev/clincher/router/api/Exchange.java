package dev.clincher.router.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.http.BlockingExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One HTTP exchange from a handler's point of view, with the blocking helpers the router's handlers use (they run on
 * virtual threads): read a bounded body, send JSON, send an OpenAI error, write an SSE event and flush it.
 */
final class Exchange {
  final Request request;
  final Response response;
  final Callback callback;
  final long startNanos = System.nanoTime();
  private final ObjectMapper json;
  private final BlockingExchange io;
  private final java.util.concurrent.atomic.AtomicReference<Runnable> beforeEnd =
      new java.util.concurrent.atomic.AtomicReference<>();

  Exchange(Request request, Response response, Callback callback, ObjectMapper json) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.json = json;
    this.io = new BlockingExchange(request, response, callback);
  }

  /**
   * The body, or empty when it is larger than {@code maxBytes} (read and dropped up to a bound first, so the client
   * sees the 413 instead of a connection reset).
   */
  Optional<byte[]> readBody(long maxBytes) throws IOException {
    return io.readBody(maxBytes);
  }

  /** The bearer token of the {@code Authorization} header, if there is one. */
  Optional<String> bearerToken() {
    return io.bearerToken();
  }

  /**
   * Runs {@code hook} once, just before the response's last byte is written (so a client that sends its next request
   * as soon as it has this answer finds the hook's work done), or at {@link #runBeforeEnd} if the request ends
   * without one.
   */
  void beforeEnd(Runnable hook) {
    beforeEnd.set(hook);
  }

  /** Runs the {@link #beforeEnd} hook if it has not run yet. */
  void runBeforeEnd() {
    Runnable hook = beforeEnd.getAndSet(null);
    if (hook != null) {
      hook.run();
    }
  }

  void header(String name, String value) {
    response.getHeaders().put(name, value);
  }

  /** Sends a JSON body and completes the exchange. */
  void sendJson(int status, ObjectNode body) {
    sendJson(status, (com.fasterxml.jackson.databind.JsonNode) body);
  }

  /** Sends any JSON value (a list, for LiteLLM's list routes) and completes the exchange. */
  void sendJson(int status, com.fasterxml.jackson.databind.JsonNode body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    byte[] bytes = bytes(body);
    runBeforeEnd();
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  /** Sends an OpenAI error and completes the exchange. */
  void sendError(OpenAiError error) {
    io.drainUnreadBody();
    error.retryAfter().ifPresent(wait -> header("Retry-After", String.valueOf(Math.max(1, seconds(wait)))));
    if (error.status() == 401) {
      header("WWW-Authenticate", "Bearer");
    }
    sendJson(error.status(), error.toJson(json));
  }

  /** Starts an SSE response (status and headers go out with the first event). */
  void startEvents() {
    io.startEvents();
  }

  /** Writes {@code data: <data>\n\n} and waits until it was handed to the network. */
  void writeEvent(String data) throws IOException {
    io.write("data: " + data + "\n\n");
  }

  /** Writes the last bytes of the response and completes the exchange. */
  void finishEvents(String lastText) throws IOException {
    runBeforeEnd();
    io.finish(lastText);
  }

  byte[] bytes(com.fasterxml.jackson.databind.JsonNode body) {
    try {
      return json.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  String text(ObjectNode body) {
    return new String(bytes(body), StandardCharsets.UTF_8);
  }

  private static long seconds(Duration wait) {
    return (wait.toMillis() + 999) / 1000;
  }
}
