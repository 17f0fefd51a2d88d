package dev.clincher.egress.tunnel;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads request heads and relays tunnels on a few selector threads (one per core by default). New clients are
 * spread round-robin; a tunnel opened from a head stays on that head's loop for life.
 */
public final class TunnelRelay implements AutoCloseable {
  private final List<RelayLoop> loops = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
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
    nextLoop().add(tunnel);
  }

  /**
   * Reads a new client's request head on one of the loops (non-blocking, within the limits) and tells the handler
   * there; from now on the connection belongs to the relay until the handler takes it back.
   */
  public void readHead(SocketChannel client, HeadHandler handler, HeadHandler.Limits limits) {
    nextLoop().readHead(client, handler, limits);
  }

  private RelayLoop nextLoop() {
    return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
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
