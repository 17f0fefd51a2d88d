package dev.clincher.egress.proxy;

import dev.clincher.egress.tunnel.ConnectFailure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

/**
 * Opens an upstream connection to already-checked addresses with a blocking connect, for the plain-HTTP path
 * (tunnels connect inside the relay loop instead). Never resolves anything.
 */
final class Upstreams {

  /** Every address failed. */
  static final class ConnectFailedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient ConnectFailure failure;

    ConnectFailedException(ConnectFailure failure) {
      super(failure.message());
      this.failure = failure;
    }

    ConnectFailure failure() {
      return failure;
    }
  }

  private Upstreams() {}

  /** Tries the checked addresses in order within one overall timeout. */
  static SocketChannel connect(List<InetAddress> addresses, int port, Duration timeout, EgressMetrics metrics)
      throws ConnectFailedException {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    ConnectFailure last = ConnectFailure.timeout();
    for (InetAddress address : addresses) {
      long remainingMillis = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
      if (remainingMillis <= 0) {
        break;
      }
      try {
        SocketChannel channel = open(new InetSocketAddress(address, port), (int) remainingMillis);
        metrics.connected(Duration.ofNanos(System.nanoTime() - started));
        return channel;
      } catch (IOException e) {
        last = ConnectFailure.of(e);
      }
    }
    throw new ConnectFailedException(last);
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
