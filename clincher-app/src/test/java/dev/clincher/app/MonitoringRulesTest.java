package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring host's Prometheus files checked by Prometheus' own promtool (Debian's {@code prometheus} package,
 * installed by {@code clincher-app/ci-setup-promtool.sh}): the config, the rules, the rules' unit tests (every alert
 * fires from synthetic series and stays silent otherwise), every dashboard query, and the dashboards' shape.
 */
@Timeout(120)
class MonitoringRulesTest {
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

  @BeforeAll
  static void promtoolInstalled() {
    if (!Files.isExecutable(PROMTOOL) && System.getenv("CI") != null) {
      throw new AssertionError("promtool is missing: run clincher-app/ci-setup-promtool.sh");
    }
    assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed (apt-get install prometheus)");
  }

  /** promtool's exit status and output; every run is bounded. */
  private record Run(int exit, String output) {}

  private static Run promtool(Path workingDirectory, String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true)
        .start();
    process.getOutputStream().close();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("promtool " + String.join(" ", arguments) + " did not finish in 60 s");
    }
    return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void theConfigIsValidWithItsRulesAndSecretFiles(@TempDir Path root) throws Exception {
    // prometheus.yml names its files where the monitoring compose file mounts them; here they live under root.
    Path secrets = Files.createDirectories(root.resolve("secrets"));
    for (String service : List.of("gateway", "router", "egress", "socket_proxy")) {
      Files.writeString(secrets.resolve(service + "_metrics_token"), "token\n");
    }
    Path rules = Files.createDirectories(root.resolve("rules"));
    Files.copy(MonitoringFiles.RULES, rules.resolve("clincher.yml"));
    Path config = root.resolve("prometheus.yml");
    Files.writeString(config, Files.readString(MonitoringFiles.DIRECTORY.resolve("prometheus.yml"))
        .replace("/etc/prometheus/", root + "/"));

    Run check = promtool(root, "check", "config", config.toString());

    assertThat(check.exit()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 1 rule files found");
  }

  @Test
  void theRulesAreValidAndEachHasARunbook() throws Exception {
    Run check = promtool(MonitoringFiles.DIRECTORY, "check", "rules", MonitoringFiles.RULES.toString());
    assertThat(check.exit()).as(check.output()).isZero();

    JsonNode groups = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(MonitoringFiles.RULES.toFile())
        .path("groups");
    for (JsonNode group : groups) {
      for (JsonNode rule : group.path("rules")) {
        assertThat(rule.path("annotations").path("runbook").asText()).as(rule.path("alert").asText()).isNotBlank();
        assertThat(rule.path("labels").path("severity").asText()).isIn("warning", "critical");
      }
    }
  }

  @Test
  void everyAlertFiresFromItsSeriesAndStaysSilentOtherwise() throws Exception {
    Run test = promtool(MonitoringFiles.RULE_TESTS.getParent(), "test", "rules",
        MonitoringFiles.RULE_TESTS.getFileName().toString());
    assertThat(test.exit()).as(test.output()).isZero();

    Set<String> tested = new HashSet<>();
    for (JsonNode unit : new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
        .readTree(MonitoringFiles.RULE_TESTS.toFile()).path("tests")) {
      for (JsonNode check : unit.path("alert_rule_test")) {
        if (!check.path("exp_alerts").isEmpty()) {
          tested.add(check.path("alertname").asText());
        }
      }
    }
    Set<String> alerts = new HashSet<>();
    for (MonitoringFiles.Expression rule : MonitoringFiles.ruleExpressions()) {
      alerts.add(rule.where().substring("rules: ".length()));
    }
    assertThat(tested).as("alerts with a unit test that fires them").isEqualTo(alerts);
  }

  /** Every dashboard query is valid PromQL: written as recording rules, promtool parses them. */
  @Test
  void everyDashboardQueryParses(@TempDir Path root) throws Exception {
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboards\n    rules:\n");
    int n = 0;
    for (MonitoringFiles.Expression expression : MonitoringFiles.dashboardExpressions()) {
      rules.append("      - record: dashboard_query_").append(n++).append("\n        expr: ")
          .append(new ObjectMapper().writeValueAsString(expression.promql())).append('\n');
    }
    Path file = root.resolve("dashboards.yml");
    Files.writeString(file, rules);

    Run check = promtool(root, "check", "rules", file.toString());

    assertThat(check.exit()).as(check.output()).isZero();
    assertThat(n).isGreaterThan(30);
  }

  @Test
  void dashboardsHaveUniqueIdsAndOnlyPrometheusPanelsWithQueries() throws IOException {
    Set<String> uids = new HashSet<>();
    List<String> names = new ArrayList<>();
    for (Path file : MonitoringFiles.dashboards()) {
      names.add(file.getFileName().toString());
      JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
      assertThat(uids.add(dashboard.path("uid").asText())).as("unique uid in " + file).isTrue();
      assertThat(dashboard.path("title").asText()).startsWith("Clincher");
      Set<Integer> ids = new HashSet<>();
      for (JsonNode panel : dashboard.path("panels")) {
        String where = file.getFileName() + ": " + panel.path("title").asText();
        assertThat(ids.add(panel.path("id").asInt())).as("unique panel id, " + where).isTrue();
        assertThat(panel.path("datasource").path("uid").asText()).as(where).isEqualTo("prometheus");
        assertThat(panel.path("gridPos").path("w").asInt()).as(where).isPositive();
        assertThat(panel.path("targets")).as(where).isNotEmpty();
        for (JsonNode target : panel.path("targets")) {
          assertThat(target.path("expr").asText()).as(where).isNotBlank();
        }
      }
    }
    assertThat(names).containsExactly("egress.json", "gateway.json", "overview.json", "router.json",
        "socket-proxy.json");
    String datasource = Files.readString(MonitoringFiles.DIRECTORY.resolve(
        "grafana/provisioning/datasources/prometheus.yml"));
    assertThat(datasource).contains("uid: prometheus").contains("url: http://prometheus:9090");
  }

  /** Prometheus scrapes {@code /metrics/<service>} through Caddy: every such path has its route. */
  @Test
  void everyScrapedPathHasItsCaddyRoute() throws IOException {
    String prometheus = Files.readString(MonitoringFiles.DIRECTORY.resolve("prometheus.yml"));
    String caddyfile = Files.readString(MonitoringFiles.DIRECTORY.resolve("../caddy/Caddyfile"));
    List<String> paths = prometheus.lines().map(String::strip).filter(line -> line.startsWith("metrics_path: /metrics/"))
        .map(line -> line.substring("metrics_path: ".length())).toList();
    assertThat(paths).containsExactlyInAnyOrder("/metrics/gateway", "/metrics/router", "/metrics/egress",
        "/metrics/socket-proxy");
    String relay = Files.readString(MonitoringFiles.DIRECTORY.resolve("../caddy/metrics-relay.Caddyfile"));
    for (String path : paths) {
      assertThat(caddyfile).as("the Caddyfile routes " + path).contains("path " + path + "\n");
      if (!path.equals("/metrics/gateway")) { // on proxy-net with caddy; the others only through the relay
        assertThat(relay).as("the metrics relay routes " + path).contains("path " + path + "\n");
      }
    }
    assertThat(prometheus).contains("credentials_file:").doesNotContain("credentials:").doesNotContain("bearer_token:");
  }
}
