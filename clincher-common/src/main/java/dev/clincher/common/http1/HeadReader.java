package dev.clincher.common.http1;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;

/**
 * Reads one request head from a client socket within a size limit and a total deadline (so a slowloris client
 * dribbling one byte at a time is cut off), and keeps any bytes that arrived after the head (a TLS ClientHello
 * sent early, or a request body) for the upstream.
 */
public final class HeadReader {
  /** The head and the bytes that followed it in the same reads. */
  public record Received(RequestHead head, byte[] extra) {}

  private final int maxHeadBytes;
  private final Duration timeout;
  private final RequestHeadParser parser;

  public HeadReader(int maxHeadBytes, Duration timeout, int maxHeaders) {
    this.maxHeadBytes = maxHeadBytes;
    this.timeout = timeout;
    this.parser = new RequestHeadParser(maxHeaders);
  }

  /**
   * @throws BadRequestException 408 if the deadline passes, 431 if the head outgrows the limit, 400 if malformed or
   *     the client closed before finishing its head
   */
  public Received read(Socket socket) throws IOException, BadRequestException {
    long deadline = System.nanoTime() + timeout.toNanos();
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[Math.min(maxHeadBytes, 2048)];
    int length = 0;
    int scanFrom = 0;
    while (true) {
      if (length == buffer.length) {
        if (buffer.length >= maxHeadBytes) {
          throw new BadRequestException(431, "head_too_large", "request head larger than " + maxHeadBytes + " bytes");
        }
        buffer = Arrays.copyOf(buffer, Math.min(maxHeadBytes, buffer.length * 2));
      }
      int read = readBefore(deadline, socket, in, buffer, length);
      if (read < 0) {
        throw new BadRequestException(400, "incomplete_head", "client closed the connection mid-head");
      }
      length += read;
      int headLength = RequestHeadParser.findHeadEnd(buffer, scanFrom, length);
      if (headLength >= 0) {
        RequestHead head = parser.parse(buffer, headLength);
        return new Received(head, Arrays.copyOfRange(buffer, headLength, length));
      }
      scanFrom = length;
    }
  }

  private static int readBefore(long deadline, Socket socket, InputStream in, byte[] buffer, int offset)
      throws IOException, BadRequestException {
    long remainingMillis = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
    if (remainingMillis <= 0) {
      throw new BadRequestException(408, "head_timeout", "request head not received in time");
    }
    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMillis));
    try {
      return in.read(buffer, offset, buffer.length - offset);
    } catch (SocketTimeoutException e) {
      throw new BadRequestException(408, "head_timeout", "request head not received in time");
    }
  }
}
