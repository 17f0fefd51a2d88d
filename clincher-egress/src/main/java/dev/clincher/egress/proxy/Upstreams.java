package dev.clincher.egress.proxy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

/** Opens the upstream connection to an already-checked address; never resolves anything. */
final class Upstreams {

  /** Every address failed; carries the status and reason for the client. */
  static final class ConnectFailure extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String reason;

    ConnectFailure(int status, String reason, String message) {
      super(message);
      this.status = status;
      this.reason = reason;
    }

    int status() {
      return status;
    }

    String reason() {
      return reason;
    }
  }

  private Upstreams() {}

  /**
   * Tries the checked addresses in order within one overall timeout.
   *
   * @throws ConnectFailure 504 {@code connect_timeout}, 502 {@code connect_refused} or 502 {@code connect_failed}
   */
  static SocketChannel connect(List<InetAddress> addresses, int port, Duration timeout, EgressMetrics metrics)
      throws ConnectFailure {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    ConnectFailure last = new ConnectFailure(502, "connect_failed", "no address to connect to");
    for (InetAddress address : addresses) {
      long remainingMillis = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
      if (remainingMillis <= 0) {
        break;
      }
      try {
        SocketChannel channel = open(new InetSocketAddress(address, port), (int) remainingMillis);
        metrics.connected(Duration.ofNanos(System.nanoTime() - started));
        return channel;
      } catch (SocketTimeoutException e) {
        last = new ConnectFailure(504, "connect_timeout", "the destination did not accept the connection in time");
      } catch (ConnectException e) {
        last = new ConnectFailure(502, "connect_refused", "the destination refused the connection");
      } catch (NoRouteToHostException e) {
        last = new ConnectFailure(502, "connect_failed", "no route to the destination");
      } catch (IOException e) {
        last = new ConnectFailure(502, "connect_failed", "could not connect to the destination");
      }
    }
    throw last;
  }

  private static SocketChannel open(InetSocketAddress target, int timeoutMillis) throws IOException {
    SocketChannel channel = SocketChannel.open();
    try {
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.socket().connect(target, timeoutMillis);
      return channel;
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }
}
