package dev.clincher.router.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
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

  Exchange(Request request, Response response, Callback callback, ObjectMapper json) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.json = json;
  }

  /**
   * The body, or empty when it is larger than {@code maxBytes}. An oversized body is still read and dropped, up to
   * {@link #MAX_DRAINED_BYTES}, so the client (which sends its whole body before reading) sees the 413 instead of a
   * connection reset; beyond that the connection is closed unread.
   */
  Optional<byte[]> readBody(long maxBytes) throws IOException {
    long declared = request.getLength();
    try (InputStream in = Request.asInputStream(request)) {
      if (declared > maxBytes) {
        drain(in);
        return Optional.empty();
      }
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (bytes.length > maxBytes) {
        drain(in);
        return Optional.empty();
      }
      return Optional.of(bytes);
    }
  }

  /** How much of an oversized request body is read and dropped before answering 413. */
  static final long MAX_DRAINED_BYTES = 16L * 1024 * 1024;

  private static void drain(InputStream in) throws IOException {
    byte[] sink = new byte[16 * 1024];
    long drained = 0;
    int read;
    while (drained < MAX_DRAINED_BYTES && (read = in.read(sink)) >= 0) {
      drained += read;
    }
  }

  /** The bearer token of the {@code Authorization} header, if there is one. */
  Optional<String> bearerToken() {
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return Optional.of(header.substring(7).trim());
  }

  void header(String name, String value) {
    response.getHeaders().put(name, value);
  }

  /** Sends a JSON body and completes the exchange. */
  void sendJson(int status, ObjectNode body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(bytes(body)), callback);
  }

  /** Sends an OpenAI error and completes the exchange. */
  void sendError(OpenAiError error) {
    error.retryAfter().ifPresent(wait -> header("Retry-After", String.valueOf(Math.max(1, seconds(wait)))));
    if (error.status() == 401) {
      header("WWW-Authenticate", "Bearer");
    }
    sendJson(error.status(), error.toJson(json));
  }

  /** Starts an SSE response (status and headers go out with the first event). */
  void startEvents() {
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    response.getHeaders().put("X-Accel-Buffering", "no");
  }

  /** Writes {@code data: <data>\n\n} and waits until it was handed to the network. */
  void writeEvent(String data) throws IOException {
    write(false, "data: " + data + "\n\n");
  }

  /** Writes the last bytes of the response and completes the exchange. */
  void finishEvents(String lastText) throws IOException {
    write(true, lastText);
    callback.succeeded();
  }

  private void write(boolean last, String text) throws IOException {
    try (Blocker.Callback written = Blocker.callback()) {
      response.write(last, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), written);
      written.block();
    }
  }

  byte[] bytes(ObjectNode body) {
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
