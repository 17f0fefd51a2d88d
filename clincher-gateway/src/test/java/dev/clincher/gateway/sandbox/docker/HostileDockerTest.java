package dev.clincher.gateway.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The client against a hostile or broken Docker endpoint (a real TCP server on loopback that misbehaves on purpose):
 * every call ends within its bound, and malformed streams are refused, never trusted.
 */
class HostileDockerTest {

  /** Serves each connection with {@code behaviour} (after reading the request head). */
  private static ServerSocket serve(Consumer<Socket> behaviour) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(() -> {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          Thread.ofVirtual().start(() -> {
            try (socket) {
              skipHead(socket.getInputStream());
              behaviour.accept(socket);
            } catch (IOException ignored) {
              // the client hung up
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    });
    return server;
  }

  private static void skipHead(InputStream in) throws IOException {
    int state = 0;
    while (state < 4) {
      int b = in.read();
      if (b < 0) {
        return;
      }
      state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : 0;
    }
  }

  private static void write(Socket socket, byte[] bytes) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
    } catch (IOException ignored) {
      // the client hung up
    }
  }

  private static void hang(Socket socket) {
    try {
      Thread.sleep(30_000);
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
  }

  private static DockerClient client(ServerSocket server, Duration timeout) {
    return new DockerClient(DockerHost.parse("tcp://127.0.0.1:" + server.getLocalPort()), timeout);
  }

  @Test
  void aSilentServerTimesOutEveryCall() throws Exception {
    try (ServerSocket server = serve(HostileDockerTest::hang)) {
      DockerClient client = client(server, Duration.ofMillis(500));
      long started = System.nanoTime();
      assertThatThrownBy(() -> client.inspectContainer("abc")).hasMessageContaining("did not answer");
      assertThat(client.ping()).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void aDribblingExecStreamEndsAtTheExecTimeoutWithWhatArrived() throws Exception {
    byte[] frame = StreamDemuxerTest.frame(1, "tick\n".getBytes(StandardCharsets.UTF_8));
    try (ServerSocket server = serve(socket -> {
      write(socket, "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < 300; i++) {
        write(socket, frame);
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    })) {
      long started = System.nanoTime();
      DockerClient.ExecOutput output = client(server, Duration.ofSeconds(5)).startExec("abc", null, 1000,
          Duration.ofSeconds(1));
      assertThat(output.timedOut()).isTrue();
      assertThat(new String(output.output().stdout(), StandardCharsets.UTF_8)).startsWith("tick\ntick\n");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void aMalformedExecStreamIsRefused() throws Exception {
    try (ServerSocket server = serve(socket -> write(socket, ("HTTP/1.1 101 UPGRADED\r\n\r\n"
        + "\u0001\u0000\u0000\u0000\u00ff\u00ff\u00ff\u00ff").getBytes(StandardCharsets.ISO_8859_1)))) {
      assertThatThrownBy(() -> client(server, Duration.ofSeconds(5)).startExec("abc", null, 1000,
          Duration.ofSeconds(5))).isInstanceOf(StreamDemuxer.MalformedStreamException.class);
    }
  }

  @Test
  void anEndlessBodyIsCutAtTheLimit() throws Exception {
    try (ServerSocket server = serve(socket -> {
      write(socket, "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < 1000; i++) {
        write(socket, chunk);
      }
    })) {
      assertThatThrownBy(() -> client(server, Duration.ofSeconds(20)).inspectContainer("abc"))
          .hasMessageContaining("too large");
    }
  }

  @Test
  void idsThatAreNotOneSafeSegmentNeverReachTheWire() {
    DockerClient client = new DockerClient(DockerHost.parse("tcp://127.0.0.1:9"), Duration.ofSeconds(1));
    for (String id : new String[] {"../../build", "a/b", "a?b", "a b", "-x", "", "a%2Fb"}) {
      assertThatThrownBy(() -> client.inspectContainer(id)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
