package dev.clincher.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void scrapeHasJvmAndProcessMetricsTaggedWithTheService() {
    try (Metrics metrics = Metrics.create("egress")) {
      String text = metrics.scrape();
      assertThat(text)
          .contains("jvm_memory_used_bytes{")
          .contains("jvm_gc_")
          .contains("jvm_threads_live_threads{")
          .contains("jvm_classes_loaded_classes{")
          .contains("system_cpu_count{")
          .contains("process_uptime_seconds{")
          .contains("process_files_open_files{");
      assertThat(text.lines().filter(line -> line.startsWith("jvm_threads_live_threads")))
          .allSatisfy(line -> assertThat(line).contains("service=\"egress\""));
    }
  }

  @Test
  void serviceMetersFollowTheNamingConvention() {
    try (Metrics metrics = Metrics.create("socket-proxy")) {
      assertThat(metrics.name("requests")).isEqualTo("clincher.socket_proxy.requests");
      Counter.builder(metrics.name("requests")).tag("result", "allowed").register(metrics.registry()).increment(3);
      Timer.builder(metrics.name("upstream")).register(metrics.registry()).record(Duration.ofMillis(250));
      String text = metrics.scrape();
      assertThat(text).containsPattern(
          "(?m)^clincher_socket_proxy_requests_total\\{result=\"allowed\",service=\"socket-proxy\"} 3\\.0$");
      assertThat(text).containsPattern("(?m)^clincher_socket_proxy_upstream_seconds_sum\\{service=\"socket-proxy\"} 0\\.25$");
    }
  }

  @Test
  void contentTypeIsPrometheusText004() {
    assertThat(Metrics.CONTENT_TYPE).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
  }

  @Test
  void invalidServiceNamesAreRejected() {
    assertThatThrownBy(() -> Metrics.create("Egress")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Metrics.create("a b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Metrics.create("")).isInstanceOf(IllegalArgumentException.class);
  }
}
