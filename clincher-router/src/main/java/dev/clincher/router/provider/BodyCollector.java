package dev.clincher.router.provider;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Collects one response body into a single array, sized from {@code Content-Length} when the upstream sent it, and
 * aborts the exchange when the body grows beyond {@code maxBytes}. (Jetty's buffering listener aggregated through a
 * growing buffer and copied it out: a fifth of the router's allocation per request.) Jetty calls one exchange's
 * listeners one after another, so no locking is needed.
 */
final class BodyCollector implements Response.HeadersListener, Response.ContentListener {
  private final int maxBytes;
  private byte[] bytes = new byte[0];
  private int size;

  BodyCollector(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public void onHeaders(Response response) {
    long declared = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
    if (declared > maxBytes) {
      response.abort(tooLarge());
    } else if (declared > 0) {
      bytes = new byte[(int) declared];
    }
  }

  @Override
  public void onContent(Response response, ByteBuffer content) {
    int length = content.remaining();
    if (length > maxBytes - size) {
      response.abort(tooLarge());
      return;
    }
    if (size + length > bytes.length) {
      bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes, Math.max(size + length, 2L * bytes.length + 1024)));
    }
    content.get(bytes, size, length);
    size += length;
  }

  /** The body received so far (all of it once the exchange completed). */
  byte[] bytes() {
    return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
  }

  private IOException tooLarge() {
    return new IOException("the answer is larger than " + maxBytes + " bytes");
  }
}
