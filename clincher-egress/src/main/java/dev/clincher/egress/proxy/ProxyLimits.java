package dev.clincher.egress.proxy;

import java.time.Duration;

/**
 * Every resource limit of the proxy, with the defaults documented in {@code docs/egress.md}.
 *
 * @param maxHeadBytes largest request head accepted (431 beyond)
 * @param maxHeaders most header fields accepted (431 beyond)
 * @param headReadTimeout time a client has to send its whole head (408 beyond; stops slowloris)
 * @param connectTimeout time to open the upstream connection, all addresses together (504 beyond)
 * @param tunnelIdleTimeout a tunnel with no traffic either way for this long is closed
 * @param maxTunnelLifetime a tunnel is closed after this long, busy or not
 * @param maxConnections client connections served at once, tunnels included (429 beyond, never queued)
 * @param relayBufferBytes size of one relay buffer (taken per read, not held by idle tunnels)
 */
public record ProxyLimits(
    int maxHeadBytes,
    int maxHeaders,
    Duration headReadTimeout,
    Duration connectTimeout,
    Duration tunnelIdleTimeout,
    Duration maxTunnelLifetime,
    int maxConnections,
    int relayBufferBytes) {

  public static ProxyLimits defaults() {
    return new ProxyLimits(8192, 100, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofMinutes(5),
        Duration.ofHours(1), 4096, 256 * 1024);
  }

  public ProxyLimits {
    requirePositive(maxHeadBytes, "max head bytes");
    requirePositive(maxHeaders, "max headers");
    requirePositive(maxConnections, "max concurrent tunnels");
    if (relayBufferBytes < 4096) {
      throw new IllegalArgumentException("relay buffer bytes must be at least 4096");
    }
    for (Duration duration : new Duration[] {headReadTimeout, connectTimeout, tunnelIdleTimeout, maxTunnelLifetime}) {
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
    }
  }

  private static void requirePositive(int value, String what) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + " must be positive");
    }
  }
}
