package dev.clincher.egress.tunnel;

import java.time.Duration;

/** Told once per tunnel when it closes, for the close log line, metrics and connection accounting. */
@FunctionalInterface
public interface TunnelListener {

  /**
   * @param tunnel the closed tunnel
   * @param reason why it closed: {@code completed}, {@code reset}, {@code idle_timeout}, {@code max_lifetime},
   *     {@code shutdown}
   * @param bytesUp bytes relayed client → upstream
   * @param bytesDown bytes relayed upstream → client
   * @param duration how long the tunnel was open
   */
  void closed(Tunnel tunnel, String reason, long bytesUp, long bytesDown, Duration duration);
}
