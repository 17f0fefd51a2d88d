package dev.clincher.socketproxy.proxy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;

/**
 * A connection Docker has taken over ({@code 101 UPGRADED} for exec start and attach): from here on, bytes flow raw
 * both ways and are no longer HTTP. The client's end of input (stdin closed) is passed on as a half-close, so the
 * process sees EOF and can still answer; when Docker ends its side (the process exited) the session is over.
 */
final class Hijack {
  private static final Duration CLIENT_CLOSE_GRACE = Duration.ofSeconds(2);

  private Hijack() {}

  /**
   * Relays until Docker closes. Bytes already buffered on either side (the client may send stdin before it has
   * seen the 101) are delivered first.
   */
  static void relay(Socket client, ByteInput clientIn, OutputStream clientOut, Upstream upstream)
      throws IOException {
    byte[] early = clientIn.takeBuffered();
    if (early.length > 0) {
      upstream.output().write(early);
    }
    Thread up = Thread.ofVirtual().name("socketproxy-hijack-up").start(() -> copyUp(clientIn, upstream));
    try {
      byte[] chunk = new byte[64 * 1024];
      int read;
      while ((read = upstream.input().read(chunk, 0, chunk.length)) >= 0) {
        clientOut.write(chunk, 0, read);
        clientOut.flush();
      }
      client.shutdownOutput();
      up.join(CLIENT_CLOSE_GRACE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      upstream.close();
    }
  }

  private static void copyUp(ByteInput clientIn, Upstream upstream) {
    byte[] chunk = new byte[64 * 1024];
    try {
      int read;
      while ((read = clientIn.read(chunk, 0, chunk.length)) >= 0) {
        upstream.output().write(chunk, 0, read);
      }
      upstream.shutdownOutput();
    } catch (IOException e) {
      upstream.close();
    }
  }
}
