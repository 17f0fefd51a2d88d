package dev.clincher.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Explicit buckets, exported as Prometheus histograms so the monitoring host can compute percentiles. */
class LatencyBucketsTest {
  @Test
  void timersAndPeerNamedSummariesExportTheirBucketsBeforeTheFirstRecord() {
    try (Metrics metrics = Metrics.create("test")) {
      var timer = LatencyBuckets.timer(metrics.name("call.duration")).register(metrics.registry());
      LatencyBuckets.seconds("peer_latency_metric", "a peer's name").register(metrics.registry());
      String before = metrics.scrape();
      assertThat(before.lines().filter(line -> line.startsWith("clincher_test_call_duration_seconds_bucket{")))
          .hasSize(LatencyBuckets.SECONDS.length + 1); // + le="+Inf"
      assertThat(before.lines().filter(line -> line.startsWith("peer_latency_metric_bucket{")))
          .hasSize(LatencyBuckets.SECONDS.length + 1);

      timer.record(Duration.ofMillis(700));
      String after = metrics.scrape();
      assertThat(after).contains("clincher_test_call_duration_seconds_bucket{service=\"test\",le=\"0.5\"} 0")
          .contains("clincher_test_call_duration_seconds_bucket{service=\"test\",le=\"1.0\"} 1")
          .contains("clincher_test_call_duration_seconds_bucket{service=\"test\",le=\"+Inf\"} 1");
    }
  }

  @Test
  void storeTimersStartBelowAMillisecond() {
    try (Metrics metrics = Metrics.create("test")) {
      LatencyBuckets.timer(metrics.name("write.duration"), LatencyBuckets.STORE_SECONDS).register(metrics.registry());
      assertThat(metrics.scrape()).contains("clincher_test_write_duration_seconds_bucket{service=\"test\",le=\"5.0E-4\"}");
    }
  }
}
