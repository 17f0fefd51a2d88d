package dev.clincher.socketproxy.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * Reads from the client socket under the current time rule: either an idle timeout per read (waiting for the next
 * request, streaming an upload, a raw exec session), or a deadline for a whole phase (a request head, an inspected
 * body), so a client dribbling one byte at a time is still cut off.
 */
final class ClientSource implements ByteInput.Source {
  private final Socket socket;
  private final InputStream in;
  private long deadline;
  private int idleMillis;

  ClientSource(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /** Each read may wait up to {@code timeout}; zero waits forever. */
  void idle(Duration timeout) {
    deadline = 0;
    idleMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  /** All reads from now on must finish within {@code budget}. */
  void deadline(Duration budget) {
    deadline = System.nanoTime() + budget.toNanos();
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (deadline != 0) {
      long remaining = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
      if (remaining <= 0) {
        throw new SocketTimeoutException("deadline passed");
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remaining));
    } else {
      socket.setSoTimeout(idleMillis);
    }
    return in.read(buffer, offset, length);
  }
}
