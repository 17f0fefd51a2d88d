package dev.clincher.egress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.egress.address.StaticHostResolver;
import dev.clincher.egress.proxy.ProxyLimits;
import dev.clincher.egress.testing.RawProxyClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The ACL file reloads on change without dropping open tunnels; a broken file keeps the last good policy. */
@Timeout(60)
class EgressReloadTest {
  static String acl(String domain) {
    return """
        version: v1
        services: []
        default:
          name: default
          project: reload
          action: enforce
          allowed_domains: ["%s"]
        """.formatted(domain);
  }

  @Test
  void reloadsOnChangeKeepsTunnelsAndSurvivesABrokenFile(@TempDir Path directory) throws Exception {
    Path aclFile = directory.resolve("acl.yaml");
    Files.writeString(aclFile, acl("first.test"));
    ProxyLimits limits = ProxyLimits.defaults();
    EgressSettings settings = new EgressSettings("127.0.0.1", 0, Optional.of(aclFile), List.of(),
        List.of("127.0.0.0/8"), List.of(), List.of(), List.of(), false, limits, Duration.ofMillis(100),
        Optional.empty());
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    StaticHostResolver resolver = new StaticHostResolver(Map.of("first.test", List.of(loopback),
        "second.test", List.of(loopback)));

    try (ServerSocket echoServer = new ServerSocket(0, 5, loopback);
        EgressServer proxy = EgressServer.start(settings, resolver)) {
      Thread.ofVirtual().start(() -> echoForever(echoServer));
      int port = echoServer.getLocalPort();

      Socket tunnel = new Socket(loopback, proxy.address().getPort());
      tunnel.setSoTimeout(10_000);
      tunnel.getOutputStream().write(connect("first.test", port));
      assertThat(RawProxyClient.readAnswer(tunnel.getInputStream()).status()).isEqualTo(200);
      assertEcho(tunnel, "before");

      replace(aclFile, acl("second.test"), directory);
      awaitStatus(proxy, "second.test", port, 200);
      assertThat(status(proxy, "first.test", port)).isEqualTo(403);
      assertEcho(tunnel, "after reload");

      replace(aclFile, "version: v1\ndefault: [not, a, rule\n", directory);
      Thread.sleep(500);
      proxy.reloadAcl();
      assertThat(status(proxy, "second.test", port)).isEqualTo(200);
      assertThat(status(proxy, "first.test", port)).isEqualTo(403);
      assertEcho(tunnel, "after broken file");
      tunnel.close();
    }
  }

  private static void replace(Path file, String content, Path directory) throws Exception {
    Path temporary = Files.createTempFile(directory, "acl", ".tmp");
    Files.writeString(temporary, content);
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static byte[] connect(String host, int port) {
    String target = host + ":" + port;
    return ("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static int status(EgressServer proxy, String host, int port) throws Exception {
    return RawProxyClient.send(proxy.address(), connect(host, port)).status();
  }

  private static void awaitStatus(EgressServer proxy, String host, int port, int wanted) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (status(proxy, host, port) != wanted && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(status(proxy, host, port)).isEqualTo(wanted);
  }

  private static void assertEcho(Socket socket, String text) throws Exception {
    OutputStream out = socket.getOutputStream();
    InputStream in = socket.getInputStream();
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    out.write(bytes);
    out.flush();
    assertThat(new String(in.readNBytes(bytes.length), StandardCharsets.US_ASCII)).isEqualTo(text);
  }

  private static void echoForever(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread.ofVirtual().start(() -> {
          try (socket) {
            socket.getInputStream().transferTo(socket.getOutputStream());
          } catch (Exception ignored) {
            // client went away
          }
        });
      } catch (Exception e) {
        return;
      }
    }
  }
}
