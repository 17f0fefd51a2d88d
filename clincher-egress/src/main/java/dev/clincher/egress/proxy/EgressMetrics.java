package dev.clincher.egress.proxy;

import dev.clincher.egress.tunnel.RelayStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The egress proxy's metrics: {@code clincher_egress_decisions_total{result,reason}},
 * {@code clincher_egress_tunnels_open}, {@code clincher_egress_tunnel_bytes_total{direction}},
 * {@code clincher_egress_connect_duration_seconds} and {@code clincher_egress_tunnels_closed_total{reason}}.
 */
public final class EgressMetrics {
  private final MeterRegistry registry;
  private final Timer connectDuration;

  public EgressMetrics(MeterRegistry registry, RelayStats relay) {
    this.registry = registry;
    this.connectDuration = Timer.builder("clincher.egress.connect.duration")
        .description("Time to open the upstream TCP connection")
        .publishPercentileHistogram()
        .register(registry);
    Gauge.builder("clincher.egress.tunnels.open", relay, RelayStats::open)
        .description("Tunnels open now")
        .register(registry);
    FunctionCounter.builder("clincher.egress.tunnel.bytes", relay, RelayStats::bytesUp)
        .tag("direction", "upstream").baseUnit("bytes")
        .description("Bytes relayed through tunnels").register(registry);
    FunctionCounter.builder("clincher.egress.tunnel.bytes", relay, RelayStats::bytesDown)
        .tag("direction", "downstream").baseUnit("bytes")
        .description("Bytes relayed through tunnels").register(registry);
  }

  /** Counts one decision: {@code result} is allow, report (allowed by a report rule) or deny. */
  public void decision(String result, String reason) {
    Counter.builder("clincher.egress.decisions")
        .description("Egress decisions by result and reason")
        .tag("result", result)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  public void connected(Duration elapsed) {
    connectDuration.record(elapsed);
  }

  public void tunnelClosed(String reason) {
    Counter.builder("clincher.egress.tunnels.closed")
        .description("Closed tunnels by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }
}
