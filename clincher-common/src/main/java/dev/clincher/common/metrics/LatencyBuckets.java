package dev.clincher.common.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;

/**
 * The histogram buckets every Clincher latency has, so a percentile can be computed on the monitoring host
 * ({@code histogram_quantile(0.95, rate(..._bucket[5m]))}): 5 ms to 5 min, denser where LLM calls and tunnels live.
 * Explicit boundaries (Micrometer's service-level objectives), not Micrometer's generated percentile histogram, so a
 * series has 16 buckets rather than 70.
 */
public final class LatencyBuckets {
  /** The upper bounds, in seconds. */
  public static final double[] SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120,
      300};

  /** The upper bounds for writes to a local store (a commit, an fsync), in seconds: 0.5 ms to 5 s. */
  public static final double[] STORE_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
      2.5, 5};

  private LatencyBuckets() {}

  /** A timer ({@code <name>_seconds_bucket}) with these buckets. */
  public static Timer.Builder timer(String name) {
    return timer(name, SECONDS);
  }

  /** A timer with the upper bounds {@code seconds} (e.g. {@link #STORE_SECONDS}). */
  public static Timer.Builder timer(String name, double[] seconds) {
    return Timer.builder(name).serviceLevelObjectives(
        Arrays.stream(seconds).mapToObj(s -> Duration.ofNanos((long) (s * 1e9))).toArray(Duration[]::new));
  }

  /**
   * A distribution of seconds without a unit suffix ({@code <name>_bucket}), for names fixed by a peer such as
   * LiteLLM's {@code litellm_request_total_latency_metric}.
   */
  public static DistributionSummary.Builder seconds(String name, String description) {
    return DistributionSummary.builder(name).description(description).serviceLevelObjectives(SECONDS);
  }
}
