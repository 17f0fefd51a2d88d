package dev.clincher.egress.tunnel;

import dev.clincher.common.http1.BadRequestException;
import dev.clincher.common.http1.RequestHeadParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * A client connection whose request head is being read by a relay loop, without blocking: each readiness event
 * reads what has arrived, within the head's size limit; the loop's sweep enforces the total deadline.
 */
final class PendingHead {
  private static final int FIRST_BUFFER_BYTES = 2048;

  final SocketChannel client;
  final HeadHandler handler;
  final long deadlineNanos;
  private final int maxHeadBytes;
  private byte[] buffer;
  private int length;
  private int scanFrom;

  PendingHead(SocketChannel client, HeadHandler handler, HeadHandler.Limits limits) {
    this.client = client;
    this.handler = handler;
    this.maxHeadBytes = limits.maxHeadBytes();
    this.deadlineNanos = System.nanoTime() + limits.timeoutNanos();
    this.buffer = new byte[Math.min(maxHeadBytes, FIRST_BUFFER_BYTES)];
  }

  /**
   * Reads what the client has sent; returns the handler's answer once the head is complete, or null while it is not.
   *
   * @throws BadRequestException 431 when the head outgrows the limit, 400 when the client closed mid-head
   */
  HeadHandler.Next readAvailable() throws IOException, BadRequestException {
    while (true) {
      if (length == buffer.length) {
        if (buffer.length >= maxHeadBytes) {
          throw new BadRequestException(431, "head_too_large", "request head larger than " + maxHeadBytes + " bytes");
        }
        buffer = Arrays.copyOf(buffer, Math.min(maxHeadBytes, buffer.length * 2));
      }
      int read = client.read(ByteBuffer.wrap(buffer, length, buffer.length - length));
      if (read < 0) {
        throw new BadRequestException(400, "incomplete_head", "client closed the connection mid-head");
      }
      if (read == 0) {
        return null;
      }
      length += read;
      int headLength = RequestHeadParser.findHeadEnd(buffer, scanFrom, length);
      if (headLength >= 0) {
        return handler.received(client, buffer, headLength, length);
      }
      scanFrom = length;
    }
  }
}
