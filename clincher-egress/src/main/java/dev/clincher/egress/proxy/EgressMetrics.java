package dev.clincher.egress.proxy;

import dev.clincher.common.metrics.LatencyBuckets;
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
 * {@code clincher_egress_connect_duration_seconds}, {@code clincher_egress_tunnel_setup_duration_seconds} (histograms
 * with {@link LatencyBuckets}) and {@code clincher_egress_tunnels_closed_total{reason}}.
 */
public final class EgressMetrics {
  private final MeterRegistry registry;
  private final Timer connectDuration;
  private final Timer tunnelSetup;

  public EgressMetrics(MeterRegistry registry, RelayStats relay) {
    this.registry = registry;
    this.connectDuration = LatencyBuckets.timer("clincher.egress.connect.duration")
        .description("Time to open the upstream TCP connection")
        .register(registry);
    this.tunnelSetup = LatencyBuckets.timer("clincher.egress.tunnel.setup.duration")
        .description("From the CONNECT request to the open upstream connection: decision, DNS, connect")
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

  /** A plain-HTTP request's upstream connected after {@code connect}. */
  public void connected(Duration connect) {
    connectDuration.record(connect);
  }

  /** A tunnel's upstream connected: {@code connect} to open it, {@code setup} since its CONNECT arrived. */
  public void connected(Duration connect, Duration setup) {
    connectDuration.record(connect);
    tunnelSetup.record(setup);
  }

  public void tunnelClosed(String reason) {
    Counter.builder("clincher.egress.tunnels.closed")
        .description("Closed tunnels by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }
}
