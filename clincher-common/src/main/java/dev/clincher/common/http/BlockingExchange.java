package dev.clincher.common.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * One Jetty exchange seen by a handler that runs on a virtual thread and may block: read a bounded body, send a
 * JSON answer, or stream server-sent events (each written and flushed before the call returns).
 */
public class BlockingExchange {
  /** How much of an oversized request body is read and dropped before answering 413. */
  public static final long MAX_DRAINED_BYTES = 16L * 1024 * 1024;

  protected final Request request;
  protected final Response response;
  protected final Callback callback;
  private boolean bodyRead;

  public BlockingExchange(Request request, Response response, Callback callback) {
    this.request = request;
    this.response = response;
    this.callback = callback;
  }

  public Request request() {
    return request;
  }

  public Response response() {
    return response;
  }

  public Callback callback() {
    return callback;
  }

  /**
   * The body, or empty when it is larger than {@code maxBytes}. An oversized body is still read and dropped, up to
   * {@link #MAX_DRAINED_BYTES}, so the client (which sends its whole body before reading) sees the 413 instead of a
   * connection reset.
   */
  public Optional<byte[]> readBody(long maxBytes) throws IOException {
    bodyRead = true;
    long declared = request.getLength();
    try (InputStream in = Request.asInputStream(request)) {
      if (declared > maxBytes) {
        drain(in);
        return Optional.empty();
      }
      if (declared >= 0) { // Jetty holds the body to its Content-Length: read exactly that, into one array
        byte[] bytes = new byte[(int) declared];
        int read = in.readNBytes(bytes, 0, bytes.length);
        return Optional.of(read == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, read));
      }
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (bytes.length > maxBytes) {
        drain(in);
        return Optional.empty();
      }
      return Optional.of(bytes);
    }
  }

  private static void drain(InputStream in) throws IOException {
    byte[] sink = new byte[16 * 1024];
    long drained = 0;
    int read;
    while (drained < MAX_DRAINED_BYTES && (read = in.read(sink)) >= 0) {
      drained += read;
    }
  }

  /**
   * Reads and drops a body nobody read (bounded by {@link #MAX_DRAINED_BYTES}) before an early answer, such as a 401:
   * otherwise the server closes the connection after answering, and a client that already reuses it for its next
   * request sees the connection die without a response.
   */
  public void drainUnreadBody() {
    if (bodyRead) {
      return;
    }
    try {
      readBody(0);
    } catch (IOException e) {
      // the client is gone or sent garbage; the answer below fails or the connection closes, as it would have
    }
  }

  /** The bearer token of the {@code Authorization} header, if there is one. */
  public Optional<String> bearerToken() {
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return Optional.of(header.substring(7).trim());
  }

  public void header(String name, String value) {
    response.getHeaders().put(name, value);
  }

  /** Sends a JSON body (already serialized) and completes the exchange. */
  public void sendJson(int status, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /** Starts an SSE response (status and headers go out with the first event). */
  public void startEvents() {
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    response.getHeaders().put("X-Accel-Buffering", "no");
  }

  /** Writes {@code text} as part of the response body and waits until it was handed to the network. */
  public void write(String text) throws IOException {
    write(false, text);
  }

  /** Writes the last bytes of the response and completes the exchange. */
  public void finish(String lastText) throws IOException {
    write(true, lastText);
    callback.succeeded();
  }

  private void write(boolean last, String text) throws IOException {
    try (Blocker.Callback written = Blocker.callback()) {
      response.write(last, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), written);
      written.block();
    }
  }
}
