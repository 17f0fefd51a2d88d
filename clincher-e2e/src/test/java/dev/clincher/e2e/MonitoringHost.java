package dev.clincher.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The monitoring host's Prometheus, run on this machine with the repository's own {@code deploy/monitoring/
 * prometheus.yml}: it reaches the stack only as the monitoring host would, HTTPS through Caddy at the public
 * address, with the metrics tokens {@code deploy init} wrote. Only the test's adaptations are made to the file: the
 * domain, where the tokens are, trust in Caddy's internal CA, a 2 s scrape interval, and one extra job that scrapes
 * without a credential. It runs in a mount namespace of its own whose {@code /etc/hosts} names the stack's domain, so
 * the machine's files stay untouched.
 */
final class MonitoringHost implements AutoCloseable {
  /** The extra job: the router's metrics without a credential, which must fail. */
  static final String NO_CREDENTIAL_JOB = "no-credential";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();

  private final Process prometheus;
  private final int port;
  private final Path log;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private MonitoringHost(Process prometheus, int port, Path log) {
    this.prometheus = prometheus;
    this.port = port;
    this.log = log;
  }

  /** Starts Prometheus scraping the stack through Caddy; {@code caddyRoot} is Caddy's internal CA certificate. */
  static MonitoringHost start(Stack stack, Path caddyRoot, Path work) throws IOException {
    Path directory = Files.createDirectories(work.resolve("monitoring"));
    Path config = directory.resolve("prometheus.yml");
    Files.writeString(config, adapt(Files.readString(stack.repository.resolve("deploy/monitoring/prometheus.yml")),
        stack.directory.resolve("secrets"), caddyRoot));
    Path hosts = directory.resolve("hosts");
    Files.writeString(hosts, "127.0.0.1 localhost\n" + stack.publicAddress() + " " + Stack.DOMAIN + "\n");
    int port = freeLoopbackPort();
    Path log = directory.resolve("prometheus.log");
    String command = "mount --bind " + hosts + " /etc/hosts && exec prometheus --config.file=" + config
        + " --storage.tsdb.path=" + directory.resolve("data") + " --web.listen-address=127.0.0.1:" + port;
    Process process = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", command)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new MonitoringHost(process, port, log);
  }

  /**
   * The shipped scrape config with the test's adaptations (see the class comment). Only the jobs that scrape
   * {@code /metrics/<service>} are kept: the blackbox exporter and Prometheus' own job are not part of this test.
   */
  static String adapt(String shipped, Path secrets, Path caddyRoot) throws IOException {
    ObjectNode config = (ObjectNode) YAML.readTree(shipped);
    config.remove("rule_files");
    ((ObjectNode) config.path("global")).put("scrape_interval", "2s").put("evaluation_interval", "2s");
    ArrayNode jobs = YAML.createArrayNode();
    for (JsonNode job : config.path("scrape_configs")) {
      if (job.path("metrics_path").asText().startsWith("/metrics/")) {
        jobs.add(forTheStack((ObjectNode) job.deepCopy(), caddyRoot));
      }
    }
    ObjectNode withoutCredential = (ObjectNode) jobs.get(0).deepCopy();
    withoutCredential.put("job_name", NO_CREDENTIAL_JOB).put("metrics_path", "/metrics/router")
        .remove("authorization");
    jobs.add(withoutCredential);
    config.set("scrape_configs", jobs);
    return YAML.writeValueAsString(config).replace("agent.example.com", Stack.DOMAIN)
        .replace("/etc/prometheus/secrets/", secrets + "/");
  }

  private static ObjectNode forTheStack(ObjectNode job, Path caddyRoot) {
    job.putObject("tls_config").put("ca_file", caddyRoot.toString());
    return job;
  }

  /**
   * Waits (at most {@code timeout}) until each job of {@code mustBeUp} is up and each of {@code mustBeDown} is down,
   * and returns every job's target health and last error ({@code "up "}, {@code "down server returned HTTP status
   * 401 Unauthorized"}); on timeout, the last seen state, for the assertion to show.
   */
  Map<String, String> awaitHealth(List<String> mustBeUp, List<String> mustBeDown, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    Map<String, String> health = targets();
    while (!settled(health, mustBeUp, mustBeDown) && Instant.now().isBefore(deadline) && prometheus.isAlive()) {
      Thread.sleep(1000);
      health = targets();
    }
    return health;
  }

  private static boolean settled(Map<String, String> health, List<String> mustBeUp, List<String> mustBeDown) {
    return mustBeUp.stream().allMatch(job -> health.getOrDefault(job, "").startsWith("up"))
        && mustBeDown.stream().allMatch(job -> health.getOrDefault(job, "").startsWith("down"));
  }

  /** A PromQL instant query's first value, or empty text when the result is empty. */
  String query(String promql) throws IOException, InterruptedException {
    String url = "http://127.0.0.1:" + port + "/api/v1/query?query="
        + java.net.URLEncoder.encode(promql, java.nio.charset.StandardCharsets.UTF_8);
    JsonNode result = JSON.readTree(get(url)).path("data").path("result");
    return result.isEmpty() ? "" : result.get(0).path("value").get(1).asText();
  }

  String log() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** job → "health lastError" of each active target. */
  private Map<String, String> targets() throws InterruptedException {
    Map<String, String> health = new HashMap<>();
    try {
      JsonNode targets = JSON.readTree(get("http://127.0.0.1:" + port + "/api/v1/targets?state=active"))
          .path("data").path("activeTargets");
      for (JsonNode target : targets) {
        health.put(target.path("labels").path("job").asText(), target.path("health").asText() + " "
            + target.path("lastError").asText());
      }
    } catch (IOException notYetListening) {
      // Prometheus is still starting
    }
    return health;
  }

  private String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(url + " answered " + response.statusCode());
    }
    return response.body();
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    prometheus.descendants().forEach(ProcessHandle::destroy);
    prometheus.destroy();
    if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
      prometheus.descendants().forEach(ProcessHandle::destroyForcibly);
      prometheus.destroyForcibly();
    }
  }
}
