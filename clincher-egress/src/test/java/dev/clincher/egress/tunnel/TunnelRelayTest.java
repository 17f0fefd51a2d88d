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
import java.util.List;
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
  private final BlockingQueue<ConnectFailure> failures = new ArrayBlockingQueue<>(16);
  private final BlockingQueue<InetSocketAddress> connected = new ArrayBlockingQueue<>(16);

  private final TunnelListener listener = new TunnelListener() {
    @Override
    public void connected(Tunnel tunnel, InetSocketAddress upstream, Duration connectTime) {
      connected.add(upstream);
    }

    @Override
    public void connectFailed(Tunnel tunnel, ConnectFailure failure) {
      failures.add(failure);
      try {
        tunnel.client().close();
      } catch (java.io.IOException ignored) {
        // test cleanup
      }
    }

    @Override
    public void closed(Tunnel tunnel, String reason, long up, long down, Duration duration) {
      closed.add(new Closed(reason, up, down));
    }
  };
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

  /** Connects a client socket through a fresh tunnel to {@code port} on loopback; the relay opens the upstream. */
  private Socket tunnelTo(int port, byte[] firstToClient, byte[] firstToUpstream) throws Exception {
    Socket client = new Socket(InetAddress.getLoopbackAddress(), front.socket().getLocalPort());
    SocketChannel clientSide = front.accept();
    Tunnel.Target target = new Tunnel.Target(List.of(InetAddress.getLoopbackAddress()), port, Duration.ofSeconds(2));
    relay.start(new Tunnel("t1", clientSide, target, firstToClient, firstToUpstream, listener));
    return client;
  }

  private Socket tunnelTo(ServerSocket upstreamServer) throws Exception {
    return tunnelTo(upstreamServer.getLocalPort(), new byte[0], new byte[0]);
  }

  @Test
  void sendsTheGreetingToTheClientAndEarlyBytesToTheUpstreamFirst() throws Exception {
    try (ServerSocket upstreamServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = tunnelTo(upstreamServer.getLocalPort(), "HELLO".getBytes(), "early".getBytes());
        Socket upstream = upstreamServer.accept()) {
      upstream.setSoTimeout(5000);
      client.setSoTimeout(5000);
      assertThat(new String(client.getInputStream().readNBytes(5))).isEqualTo("HELLO");
      assertThat(new String(upstream.getInputStream().readNBytes(5))).isEqualTo("early");
      assertThat(connected.poll(5, TimeUnit.SECONDS)).isNotNull();
    }
  }

  @Test
  void aRefusedConnectIsHandedBackToTheListener() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    try (Socket client = tunnelTo(closedPort, new byte[0], new byte[0])) {
      ConnectFailure failure = failures.poll(5, TimeUnit.SECONDS);
      assertThat(failure).isNotNull();
      assertThat(failure.status()).isEqualTo(502);
      assertThat(failure.reason()).isEqualTo("connect_refused");
      assertThat(relay.stats().open()).isZero();
      assertThat(closed).isEmpty();
    }
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
      // The reset may beat the relay's finishConnect (then it is a failed connect) or follow it (a reset tunnel).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (closed.isEmpty() && failures.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      if (failures.isEmpty()) {
        assertThat(closed.poll()).isNotNull().extracting(Closed::reason).isIn("reset", "completed");
      } else {
        assertThat(failures.poll().status()).isEqualTo(502);
      }
      assertThat(relay.stats().open()).isZero();
    }
  }

  /**
   * Accepts on the relay; records where each head was read and closes the client from a blocking job, or, for a
   * CONNECT once {@link #openTunnelsTo} is set, opens a tunnel to that loopback port on the loop.
   */
  private final class RecordingHeads implements HeadHandler {
    final BlockingQueue<String> readOn = new ArrayBlockingQueue<>(16);
    volatile int openTunnelsTo;

    @Override
    public Next received(SocketChannel client, byte[] head, int headLength, int length) {
      String text = new String(head, 0, headLength).strip();
      readOn.add(Thread.currentThread().getName() + " " + text);
      if (openTunnelsTo != 0 && text.startsWith("CONNECT ")) {
        Tunnel.Target target =
            new Tunnel.Target(List.of(InetAddress.getLoopbackAddress()), openTunnelsTo, Duration.ofSeconds(2));
        return new Next.Open(new Tunnel("t1", client, target, new byte[0], new byte[0], listener));
      }
      return new Next.Blocking(() -> closeQuietly(client));
    }

    @Override
    public Next failed(SocketChannel client, Exception reason) {
      return new Next.Blocking(() -> closeQuietly(client));
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (java.io.IOException ignored) {
      // test cleanup
    }
  }

  @Test
  void acceptsOnTheFirstLoopAndReadsALoneClientThereAndABusyLoopsNextClientOnTheOther() throws Exception {
    RecordingHeads heads = new RecordingHeads();
    BlockingQueue<SocketChannel> admitted = new ArrayBlockingQueue<>(16);
    relay.listen(front, admitted::add, heads, new HeadHandler.Limits(8192, Duration.ofSeconds(5).toNanos()));
    int port = front.socket().getLocalPort();
    try (Socket lone = new Socket(InetAddress.getLoopbackAddress(), port)) {
      lone.setSoTimeout(5000);
      lone.getOutputStream().write("GET /a HTTP/1.1\r\n\r\n".getBytes());
      assertThat(heads.readOn.poll(5, TimeUnit.SECONDS)).isEqualTo("egress-relay-0 GET /a HTTP/1.1");
      assertThat(lone.getInputStream().read()).isEqualTo(-1); // the job closed it
    }
    assertThat(admitted.poll(5, TimeUnit.SECONDS)).isNotNull();
    try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port);
        Socket next = new Socket(InetAddress.getLoopbackAddress(), port)) {
      assertThat(admitted.poll(5, TimeUnit.SECONDS)).isNotNull(); // silent: its head is pending on loop 0
      next.getOutputStream().write("GET /b HTTP/1.1\r\n\r\n".getBytes());
      assertThat(heads.readOn.poll(5, TimeUnit.SECONDS)).isEqualTo("egress-relay-1 GET /b HTTP/1.1");
    }
  }

  @Test
  void aTunnelThatIsClosingDoesNotSendTheNextClientToAnotherLoop() throws Exception {
    RecordingHeads heads = new RecordingHeads();
    relay.listen(front, client -> true, heads, new HeadHandler.Limits(8192, Duration.ofSeconds(5).toNanos()));
    int port = front.socket().getLocalPort();
    try (ServerSocket upstreamServer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket previous = new Socket(InetAddress.getLoopbackAddress(), port)) {
      heads.openTunnelsTo = upstreamServer.getLocalPort();
      previous.getOutputStream().write("CONNECT a HTTP/1.1\r\n\r\n".getBytes());
      assertThat(heads.readOn.poll(5, TimeUnit.SECONDS)).isEqualTo("egress-relay-0 CONNECT a HTTP/1.1");
      try (Socket upstream = upstreamServer.accept()) {
        upstream.setSoTimeout(5000);
        previous.shutdownOutput(); // the client is done: the tunnel is closing, its upstream still open
        assertThat(upstream.getInputStream().read()).isEqualTo(-1);
        try (Socket next = new Socket(InetAddress.getLoopbackAddress(), port)) {
          next.getOutputStream().write("GET /b HTTP/1.1\r\n\r\n".getBytes());
          assertThat(heads.readOn.poll(5, TimeUnit.SECONDS)).isEqualTo("egress-relay-0 GET /b HTTP/1.1");
        }
      }
    }
  }

  @Test
  void aClientTheAdmissionRefusesIsNeverRead() throws Exception {
    RecordingHeads heads = new RecordingHeads();
    relay.listen(front, client -> {
      closeQuietly(client);
      return false;
    }, heads, new HeadHandler.Limits(8192, Duration.ofSeconds(5).toNanos()));
    try (Socket refused = new Socket(InetAddress.getLoopbackAddress(), front.socket().getLocalPort())) {
      refused.setSoTimeout(5000);
      refused.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes());
      assertThat(endOfStreamOrReset(refused)).isTrue(); // closed with the head unread: a reset is allowed
      assertThat(heads.readOn.poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  private static boolean endOfStreamOrReset(Socket socket) throws java.io.IOException {
    try {
      return socket.getInputStream().read() == -1;
    } catch (java.net.SocketException reset) {
      return true;
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
