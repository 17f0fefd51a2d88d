package dev.clincher.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.e2e.Commands.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology test's adaptation of the shipped prometheus.yml is a config Prometheus accepts (promtool). */
class MonitoringHostTest {
  @TempDir
  Path temp;

  @Test
  void theAdaptedScrapeConfigKeepsTheFourServicesAndAddsOneWithoutCredential() throws Exception {
    Path repository = Path.of(System.getenv().getOrDefault("CLINCHER_REPOSITORY", "..")).toAbsolutePath().normalize();
    Path secrets = Files.createDirectories(temp.resolve("secrets"));
    for (String service : new String[] {"gateway", "router", "egress", "socket_proxy"}) {
      Files.writeString(secrets.resolve(service + "_metrics_token"), "t");
    }
    Path ca = Files.writeString(temp.resolve("root.crt"), "");
    String adapted = MonitoringHost.adapt(Files.readString(repository.resolve("deploy/monitoring/prometheus.yml")),
        secrets, ca);
    assertThat(adapted).contains("job_name: \"clincher-gateway\"", "job_name: \"clincher-router\"",
        "job_name: \"clincher-egress\"", "job_name: \"clincher-socket-proxy\"", "job_name: \"no-credential\"",
        "clincher.test:443", secrets + "/router_metrics_token", "ca_file: \"" + ca + "\"")
        .doesNotContain("blackbox", "agent.example.com", "/etc/prometheus", "rule_files");
    Path config = Files.writeString(temp.resolve("prometheus.yml"), adapted);
    boolean promtool = Commands.run(Duration.ofSeconds(5), "sh", "-c", "command -v promtool").ok();
    Assumptions.assumeTrue(promtool || System.getenv("CI") != null, "promtool is not installed");
    Result check = Commands.run(Duration.ofSeconds(30), "promtool", "check", "config", config.toString());
    assertThat(check.ok()).as(check.describe()).isTrue();
  }
}
