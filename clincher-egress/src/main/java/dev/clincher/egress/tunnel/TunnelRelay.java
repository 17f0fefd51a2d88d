package dev.clincher.egress.tunnel;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Accepts clients, reads their request heads and relays tunnels on a few selector threads (one per core by
 * default). The first loop accepts; each new client and each tunnel opened after a lookup goes to the loop with the
 * fewest connections (the accepting loop on a tie, so a lone set-up never changes thread). A tunnel opened from a
 * head stays on that head's loop for life.
 */
public final class TunnelRelay implements AutoCloseable {
  private final List<RelayLoop> loops = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final RelayStats stats = new RelayStats();

  /**
   * @param loopCount selector threads to run
   * @param bufferSize bytes per relay buffer (taken per read, not per tunnel)
   * @param idleTimeout a tunnel with no bytes either way for this long is closed
   * @param maxLifetime a tunnel open this long is closed, busy or not
   */
  public TunnelRelay(int loopCount, int bufferSize, Duration idleTimeout, Duration maxLifetime) throws IOException {
    for (int i = 0; i < loopCount; i++) {
      RelayLoop loop = new RelayLoop(bufferSize, idleTimeout, maxLifetime, stats);
      loops.add(loop);
      Thread thread = Thread.ofPlatform().name("egress-relay-" + i).daemon(true).unstarted(loop);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
  }

  /** Starts relaying: from now on the tunnel's channels belong to the relay, which closes them. */
  public void start(Tunnel tunnel) {
    stats.open.increment();
    leastLoaded().add(tunnel);
  }

  /**
   * Accepts the listener's connections on the first loop (the listener becomes non-blocking). Each connection the
   * admission lets in has its request head read on a loop (non-blocking, within the limits), which tells the handler
   * there; from then on the connection belongs to the relay until the handler takes it back.
   */
  public void listen(ServerSocketChannel listener, Admission admission, HeadHandler handler,
      HeadHandler.Limits limits) throws IOException {
    loops.getFirst().listen(new RelayLoop.Listening(listener, admission, handler, limits, this::leastLoaded));
  }

  /** Call after closing the listener: the accepting loop releases it at once instead of at its next timeout. */
  public void listenerClosed() {
    loops.getFirst().wakeup();
  }

  private RelayLoop leastLoaded() {
    RelayLoop best = loops.getFirst();
    for (RelayLoop loop : loops) {
      if (loop.load() < best.load()) {
        best = loop;
      }
    }
    return best;
  }

  public RelayStats stats() {
    return stats;
  }

  /** Closes every open tunnel (reason {@code shutdown}) and stops the loops. */
  @Override
  public void close() {
    loops.forEach(RelayLoop::stop);
    for (Thread thread : threads) {
      try {
        thread.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
