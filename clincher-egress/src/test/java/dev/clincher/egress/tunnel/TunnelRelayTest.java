package dev.clincher.egress.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The relay on real loopback sockets: both directions, half-close, timeouts, and a large transfer intact. */
@Timeout(60)
class TunnelRelayTest {
  private record Closed(String reason, long up, long down) {}

  private final BlockingQueue<Closed> closed = new ArrayBlockingQueue<>(16);
  private TunnelRelay relay;
  private ServerSocketChannel front;

  @BeforeEach
  void start() throws Exception {
    relay = new TunnelRelay(2, 16 * 1024, Duration.ofMillis(800), Duration.ofSeconds(3));
    front = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void stop() throws Exception {
    relay.close();
    front.close();
  }

  /** Connects a client socket through a fresh tunnel to {@code upstreamServer}. */
  private Socket tunnelTo(ServerSocket upstreamServer) throws Exception {
    Socket client = new Socket(InetAddress.getLoopbackAddress(), front.socket().getLocalPort());
    SocketChannel clientSide = front.accept();
    SocketChannel upstream = SocketChannel.open(upstreamServer.getLocalSocketAddress());
    relay.start(new Tunnel("t1", clientSide, upstream,
        (tunnel, reason, up, down, duration) -> closed.add(new Closed(reason, up, down))));
    return client;
  }

  @Test
  void relaysALargeTransferIntactBothWaysAndCountsBytes() throws Exception {
    byte[] payload = new byte[24 * 1024 * 1024 + 7];
    new Random(7).nextBytes(payload);
    try (ServerSocket upstreamServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread echo = Thread.ofVirtual().start(() -> echoOnce(upstreamServer));
      try (Socket client = tunnelTo(upstreamServer)) {
        Thread writer = Thread.ofVirtual().start(() -> writeAndHalfClose(client, payload));
        byte[] back = client.getInputStream().readAllBytes();
        writer.join();
        assertThat(MessageDigest.getInstance("SHA-256").digest(back))
            .isEqualTo(MessageDigest.getInstance("SHA-256").digest(payload));
      }
      echo.join();
    }
    Closed result = closed.poll(5, TimeUnit.SECONDS);
    assertThat(result).isNotNull();
    assertThat(result.reason()).isEqualTo("completed");
    assertThat(result.up()).isEqualTo(payload.length);
    assertThat(result.down()).isEqualTo(payload.length);
    assertThat(relay.stats().open()).isZero();
  }

  @Test
  void closesIdleTunnels() throws Exception {
    try (ServerSocket upstreamServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = tunnelTo(upstreamServer);
        Socket upstream = upstreamServer.accept()) {
      Closed result = closed.poll(5, TimeUnit.SECONDS);
      assertThat(result).isNotNull();
      assertThat(result.reason()).isEqualTo("idle_timeout");
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      assertThat(upstream.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void closesTunnelsAtTheirMaximumLifetimeEvenWhenBusy() throws Exception {
    try (ServerSocket upstreamServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = tunnelTo(upstreamServer);
        Socket upstream = upstreamServer.accept()) {
      long started = System.nanoTime();
      OutputStream out = client.getOutputStream();
      InputStream in = upstream.getInputStream();
      Closed result = null;
      while (result == null && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(8)) {
        out.write('x');
        out.flush();
        assertThat(in.read()).isEqualTo('x');
        result = closed.poll(300, TimeUnit.MILLISECONDS);
      }
      assertThat(result).isNotNull();
      assertThat(result.reason()).isEqualTo("max_lifetime");
    }
  }

  @Test
  void aResetOnOneSideClosesTheOther() throws Exception {
    try (ServerSocket upstreamServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = tunnelTo(upstreamServer)) {
      Socket upstream = upstreamServer.accept();
      upstream.setSoLinger(true, 0);
      upstream.close();
      assertThat(client.getInputStream().read()).isEqualTo(-1);
      Closed result = closed.poll(5, TimeUnit.SECONDS);
      assertThat(result).isNotNull();
      assertThat(result.reason()).isIn("reset", "completed");
    }
  }

  private static void echoOnce(ServerSocket server) {
    try (Socket socket = server.accept()) {
      socket.getInputStream().transferTo(socket.getOutputStream());
      socket.shutdownOutput();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writeAndHalfClose(Socket socket, byte[] payload) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(payload);
      out.flush();
      socket.shutdownOutput();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
