package dev.clincher.egress.tunnel;

import java.net.InetSocketAddress;
import java.time.Duration;

/** Told what becomes of a tunnel: connected or not, and, once connected, when it closes. */
public interface TunnelListener {

  /**
   * The upstream connection is open and the tunnel is relaying.
   *
   * @param upstream the address actually connected to
   * @param connectTime from the first connect attempt to success
   */
  void connected(Tunnel tunnel, InetSocketAddress upstream, Duration connectTime);

  /**
   * No checked address could be connected to. The relay has let go of the tunnel: the client's connection is open
   * and belongs to the listener again (to answer it and close it).
   */
  void connectFailed(Tunnel tunnel, ConnectFailure failure);

  /**
   * A connected tunnel closed; both connections are closed.
   *
   * @param reason {@code completed}, {@code reset}, {@code idle_timeout}, {@code max_lifetime} or {@code shutdown}
   * @param bytesUp bytes relayed client → upstream
   * @param bytesDown bytes relayed upstream → client
   * @param duration how long the tunnel was open
   */
  void closed(Tunnel tunnel, String reason, long bytesUp, long bytesDown, Duration duration);
}
