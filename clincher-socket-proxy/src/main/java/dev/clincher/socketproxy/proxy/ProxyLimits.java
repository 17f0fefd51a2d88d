package dev.clincher.socketproxy.proxy;

import java.time.Duration;

/**
 * The socket proxy's resource limits.
 *
 * @param maxHeadBytes largest request head (431 beyond)
 * @param maxHeaders most header fields in a request head (431 beyond)
 * @param headTimeout time to receive a whole request head once its first byte arrived (408 beyond)
 * @param idleTimeout how long a kept-alive connection may wait for its next request
 * @param maxBodyBytes largest container- or exec-create body, which is read fully and inspected (413 beyond)
 * @param bodyTimeout time to receive an inspected body (408 beyond)
 * @param maxConnections client connections served at once, streams and exec sessions included (429 beyond)
 */
public record ProxyLimits(int maxHeadBytes, int maxHeaders, Duration headTimeout, Duration idleTimeout,
    int maxBodyBytes, Duration bodyTimeout, int maxConnections) {

  public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

  public static ProxyLimits defaults() {
    return new ProxyLimits(64 * 1024, 100, Duration.ofSeconds(10), Duration.ofMinutes(5), DEFAULT_MAX_BODY_BYTES,
        Duration.ofSeconds(30), 1024);
  }

  public ProxyLimits {
    if (maxHeadBytes <= 0 || maxHeaders <= 0 || maxBodyBytes <= 0 || maxConnections <= 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
    for (Duration duration : new Duration[] {headTimeout, idleTimeout, bodyTimeout}) {
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
    }
  }

  /** The same limits with another body limit. */
  public ProxyLimits withMaxBodyBytes(int bytes) {
    return new ProxyLimits(maxHeadBytes, maxHeaders, headTimeout, idleTimeout, bytes, bodyTimeout, maxConnections);
  }
}
