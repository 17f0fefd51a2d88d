package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clincher up} as a person runs it, in its own process on its fixed loopback ports (skipped when one is
 * taken): the summary on stdout, the router answering the saved master key, and a second start that reads the edited
 * clincher.yaml without rewriting it.
 */
@Timeout(180)
class UpProcessTest {
  static final List<Integer> PORTS = List.of(4750, 2375, 4000, 18789);

  @Test
  void upPrintsTheSummaryAndNeverRewritesTheUsersConfig(@TempDir Path state) throws Exception {
    for (int port : PORTS) {
      assumeTrue(free(port), "port " + port + " is taken; up uses fixed ports");
    }
    int nothing = closedPort();
    String providerUrl = "http://127.0.0.1:" + nothing + "/v1";
    String first = runUntilReady(state, providerUrl, () -> {
      HttpResponse<String> models = models(state);
      assertThat(models.statusCode()).as(models.body()).isEqualTo(200);
      assertThat(models.body()).contains("\"default\"").doesNotContain("\"second\"");
      deepAuditHolds(state);
    });
    assertThat(first).contains("Clincher is up.", "Web chat      http://127.0.0.1:18789/",
        "token: " + state.resolve("gateway-token"), "key: " + state.resolve("router-master-key"),
        "openai/m at " + providerUrl + " (--provider-url)",
        "  - nothing answers at " + providerUrl + " (--provider-url)");
    assertThat(first).as("the web UI's one-time sign-in link, on stdout only")
        .containsPattern("Sign in +http://127\\.0\\.0\\.1:18789/\\S*#\\S+ +\\(one-time, valid 5 minutes\\)");

    Path config = state.resolve("clincher.yaml");
    String edited = Files.readString(config).replace("model_list: []", """
        model_list:
            - {model_name: second, litellm_params: {model: openai/other, api_base: "%s"}}""".formatted(providerUrl));
    Files.writeString(config, edited);
    runUntilReady(state, providerUrl, () -> assertThat(models(state).body()).contains("\"second\"", "\"default\""));
    assertThat(Files.readString(config)).isEqualTo(edited);
  }

  /** clincher audit --deep --state-dir on the running up: every probe refused, no secret in a process. */
  private static void deepAuditHolds(Path state) throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine line = Main.commandLine();
    line.setOut(new java.io.PrintWriter(out));
    line.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
    line.execute("audit", "--state-dir", state.toString(), "--deep", "--json");
    com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(out.toString());
    List<String> deepCritical = new java.util.ArrayList<>();
    List<String> deepInfo = new java.util.ArrayList<>();
    report.path("findings").forEach(f -> {
      String id = f.path("id").asText();
      if (id.startsWith("deep.")) {
        (f.path("severity").asText().equals("critical") ? deepCritical : deepInfo).add(id + ": "
            + f.path("found").asText());
      }
    });
    assertThat(deepCritical).as("the deep audit of the running up").isEmpty();
    assertThat(String.join("\n", deepInfo)).contains("deep.egress.private", "deep.egress.metadata",
        "deep.egress.allowlist", "deep.router.no_key", "deep.router.metrics", "deep.gateway.no_token",
        "deep.gateway.token_in_url", "deep.gateway.foreign_origin", "deep.gateway.metrics",
        "deep.secrets.process", "deep.socket_proxy.privileged");
  }

  @FunctionalInterface
  interface WhileUp {
    void check() throws Exception;
  }

  /** The router's {@code GET /v1/models} on :4000 with the master key up saved. */
  private static HttpResponse<String> models(Path state) throws Exception {
    String key = Files.readString(state.resolve("router-master-key"));
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:4000/v1/models"))
        .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Runs up until its summary is out, runs {@code check}, stops it with SIGTERM; returns its whole output. */
  private static String runUntilReady(Path state, String providerUrl, WhileUp check) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "up", "--state-dir", state.toString(), "--provider-url", providerUrl, "--model", "m")
        .redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.endsWith("_API_KEY") || name.endsWith("_API_KEY_FILE")
        || name.startsWith("CLINCHER_"));
    Process up = builder.start();
    List<String> lines = new ArrayList<>();
    Thread reader = Thread.ofVirtual().start(() -> read(up, lines));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!output(lines).contains("Stop with Ctrl-C") && System.nanoTime() < deadline && up.isAlive()) {
        Thread.sleep(100);
      }
      assertThat(output(lines)).as(output(lines)).contains("Stop with Ctrl-C");
      check.check();
      new ProcessBuilder("kill", "-TERM", Long.toString(up.pid())).start().waitFor();
      assertThat(up.waitFor(60, TimeUnit.SECONDS)).isTrue();
      reader.join(5000);
      return output(lines);
    } finally {
      up.destroyForcibly();
    }
  }

  private static String output(List<String> lines) {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  private static void read(Process process, List<String> lines) {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        synchronized (lines) {
          lines.add(line);
        }
      }
    } catch (IOException ignored) {
      // the process ended
    }
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
