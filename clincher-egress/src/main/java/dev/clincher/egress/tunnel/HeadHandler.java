package dev.clincher.egress.tunnel;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * Told by a relay loop when a client's request head has arrived (or failed to), on the loop's own thread, so it
 * must not block: it either opens a tunnel on that loop at once or names a job to run on a virtual thread.
 */
public interface HeadHandler {
  /** What happens to the client connection next. */
  sealed interface Next {
    /** Connect the tunnel from this loop; the tunnel now owns the client connection. */
    record Open(Tunnel tunnel) implements Next {}

    /** Run the job on its own virtual thread, with the client connection back in blocking mode; the job owns it. */
    record Blocking(Runnable job) implements Next {}
  }

  /**
   * @param head the bytes read so far: the head is {@code head[0, headLength)}, what followed it is
   *     {@code head[headLength, length)}
   */
  Next received(SocketChannel client, byte[] head, int headLength, int length);

  /**
   * The head did not arrive: too large (431), too slow (408), the client closed mid-head (400)
   * ({@link dev.clincher.common.http1.BadRequestException}), or the connection broke (another {@link IOException}).
   */
  Next failed(SocketChannel client, Exception reason);

  /** The limits a head is read within. */
  record Limits(int maxHeadBytes, long timeoutNanos) {}
}
