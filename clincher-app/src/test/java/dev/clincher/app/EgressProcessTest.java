package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clincher egress} as its own process, as a container runs it: JSON log lines on stdout, SIGHUP reloads the
 * ACL and the metrics token (rewritten in place, as {@code clincher rotate} does; no value in the log), SIGTERM drains
 * and exits.
 */
@Timeout(90)
class EgressProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void logsJsonReloadsOnHangupAndStopsOnTerm(@TempDir Path directory) throws Exception {
    Path acl = directory.resolve("acl.yaml");
    Files.copy(MainTest.seedFile("egress-acl.yaml"), acl);
    String oldToken = "egress-metrics-old-0123456789abcdef";
    String newToken = "egress-metrics-new-fedcba9876543210";
    Path metricsToken = Files.writeString(directory.resolve("metrics_token"), oldToken);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "egress", "--listen-ip=127.0.0.1", "--listen-port=0", "--egress-acl-file=" + acl,
        "--stats-socket-dir=/tmp", "--deny-range=10.0.0.0/8", "--metrics-token-file=" + metricsToken)
        .redirectErrorStream(true)
        .start();
    BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();
    List<String> raw = new ArrayList<>();
    Thread.ofVirtual().start(() -> readLines(process, lines, raw));
    try {
      JsonNode started = awaitEvent(lines, "egress.started");
      String listen = started.get("listen").asText();
      int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
      InetSocketAddress proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);

      assertThat(MainTest.statusOf(proxy, "CONNECT api.github.com:443 HTTP/1.1\r\nHost: api.github.com:443\r\n\r\n"))
          .isEqualTo(403);
      JsonNode decision = awaitEvent(lines, "egress.decision");
      assertThat(decision.get("decision").asText()).isEqualTo("deny");
      assertThat(decision.get("reason").asText()).isEqualTo("not_in_allowlist");
      assertThat(decision.get("host").asText()).isEqualTo("api.github.com");
      assertThat(decision.get("id").asText()).hasSize(16);

      Files.writeString(acl, Files.readString(acl).replace("api.tavily.com", "api.github.com"));
      new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start().waitFor();
      JsonNode reloaded = awaitEvent(lines, "acl.reloaded");
      assertThat(reloaded.get("version").asInt()).isEqualTo(2);
      assertThat(awaitEvent(lines, "secret.reload").get("outcome").asText()).isEqualTo("unchanged");

      try (FileChannel file = FileChannel.open(metricsToken, StandardOpenOption.WRITE)) {
        file.write(ByteBuffer.wrap(newToken.getBytes(StandardCharsets.UTF_8)));
      }
      new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start().waitFor();
      JsonNode rotated = awaitEvent(lines, "secret.reload");
      assertThat(rotated.get("secret").asText()).isEqualTo("metrics_token");
      assertThat(rotated.get("outcome").asText()).isEqualTo("rotated");
      assertThat(rotated.get("grace_until").asText()).isNotEmpty();

      new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isIn(0, 143);
      Thread.sleep(1000);
      synchronized (raw) {
        assertThat(String.join("\n", raw)).contains("\"event\":\"egress.stopped\"");
      }
    } finally {
      process.destroyForcibly();
    }
    for (String line : raw) {
      assertThat(line).as("every output line is one JSON object").startsWith("{").endsWith("}");
      assertThat(line).doesNotContain(oldToken).doesNotContain(newToken);
    }
  }

  private static void readLines(Process process, BlockingQueue<JsonNode> lines, List<String> raw) {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        synchronized (raw) {
          raw.add(line);
        }
        try {
          lines.add(JSON.readTree(line));
        } catch (Exception notJson) {
          lines.add(JSON.createObjectNode().put("event", "not-json").put("line", line));
        }
      }
    } catch (Exception ignored) {
      // the process ended
    }
  }

  private static JsonNode awaitEvent(BlockingQueue<JsonNode> lines, String event) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<String> skipped = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      JsonNode line = lines.poll(200, TimeUnit.MILLISECONDS);
      if (line != null && event.equals(line.path("event").asText())) {
        return line;
      }
      if (line != null) {
        skipped.add(line.toString());
      }
    }
    throw new AssertionError("no " + event + " line within 30 s; saw " + skipped);
  }
}
