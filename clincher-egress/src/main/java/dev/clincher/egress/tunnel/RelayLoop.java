package dev.clincher.egress.tunnel;

import dev.clincher.common.http1.BadRequestException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One selector thread reading request heads and relaying bytes for many tunnels. One loop also accepts new client
 * connections; each one is read on the least loaded loop (the accepting one on a tie) until its head is complete, so
 * a CONNECT to an address that needs no lookup is accepted, decided and connected on one thread with no hand-off;
 * anything that may block (DNS, answering an error) goes to a virtual thread.
 * <p>Idle tunnels hold no buffer: a direct buffer is taken from
 * the loop's pool for each read and returned as soon as its bytes are written, so ten thousand idle tunnels cost
 * only their sockets. A tunnel whose receiver is slower than its sender keeps one buffer until the receiver catches
 * up; large buffers (fast bulk transfers) are capped per loop and small ones are used beyond the cap, so the memory
 * held by stalled tunnels is bounded by the connection limit times two small buffers.
 */
final class RelayLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(RelayLoop.class);
  private static final long SWEEP_INTERVAL_NANOS = Duration.ofMillis(500).toNanos();
  private static final int MAX_LARGE_BUFFERS = 64;
  /** Size of the buffers used beyond the large-buffer cap (halved when the large ones are small). */
  private static final int SMALL_BUFFER_BYTES = 16 * 1024;
  private static final int POOLED_SMALL_BUFFERS = 64;
  /** Reads per readiness event while the source keeps filling buffers and the sink keeps taking them. */
  private static final int READS_PER_EVENT = 4;
  /** Connections accepted per readiness event of the listener, so a burst of clients cannot starve the tunnels. */
  private static final int ACCEPTS_PER_EVENT = 64;
  /** Pause of accepting after a failed accept (e.g. no file descriptor left), instead of spinning. */
  private static final long ACCEPT_PAUSE_NANOS = Duration.ofMillis(50).toNanos();

  private final Selector selector;
  private final Queue<Tunnel> arrivals = new ConcurrentLinkedQueue<>();
  private final Queue<PendingHead> newClients = new ConcurrentLinkedQueue<>();
  private final Set<Tunnel> tunnels = new HashSet<>();
  private final Set<PendingHead> heads = new HashSet<>();
  /** Clients handed to a blocking job; their keys are cancelled and deregister at the next select. */
  private final List<Released> released = new ArrayList<>();
  private final ArrayDeque<ByteBuffer> largePool = new ArrayDeque<>();
  private final ArrayDeque<ByteBuffer> smallPool = new ArrayDeque<>();
  private int largeOutstanding;
  private final int bufferSize;
  private final int smallBufferSize;
  private final long idleTimeoutNanos;
  private final long maxLifetimeNanos;
  private final RelayStats stats;
  /**
   * Client connections this loop owns or has been handed: heads being read, tunnels that are not closing (see
   * {@link #isClosing}), and those still queued.
   */
  private final AtomicInteger load = new AtomicInteger();
  private Listening listening;
  private SelectionKey listenerKey;
  private long acceptPausedUntilNanos;
  private volatile Listening newListening;
  private volatile boolean stopping;
  private long lastSweepNanos = System.nanoTime();

  RelayLoop(int bufferSize, Duration idleTimeout, Duration maxLifetime, RelayStats stats) throws IOException {
    this.selector = Selector.open();
    this.bufferSize = bufferSize;
    this.smallBufferSize = Math.max(1024, Math.min(SMALL_BUFFER_BYTES, bufferSize / 2));
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.maxLifetimeNanos = maxLifetime.toNanos();
    this.stats = stats;
  }

  /**
   * What the accepting loop needs: the listener, who admits new clients, who is told about their heads, and which
   * loop reads each new client's head.
   */
  record Listening(ServerSocketChannel listener, Admission admission, HeadHandler handler, HeadHandler.Limits limits,
      Supplier<RelayLoop> placement) {}

  /** Hands a connected tunnel to this loop; safe from any thread. */
  void add(Tunnel tunnel) {
    load.incrementAndGet();
    arrivals.add(tunnel);
    selector.wakeup();
  }

  /** Hands a new client connection (non-blocking) to this loop to read its head; safe from any thread. */
  void readHead(SocketChannel client, HeadHandler handler, HeadHandler.Limits limits) {
    load.incrementAndGet();
    newClients.add(new PendingHead(client, handler, limits));
    selector.wakeup();
  }

  /** Makes this loop accept the listener's connections (non-blocking from now on); safe from any thread. */
  void listen(Listening listening) throws IOException {
    listening.listener().configureBlocking(false);
    newListening = listening;
    selector.wakeup();
  }

  /** Wakes the loop, e.g. so that a listener closed by another thread is released at once. */
  void wakeup() {
    selector.wakeup();
  }

  /** Connections this loop owns or has been handed (read from any thread, to place new clients). */
  int load() {
    return load.get();
  }

  /** Closes every tunnel and ends the loop. */
  void stop() {
    stopping = true;
    selector.wakeup();
  }

  @Override
  public void run() {
    try {
      while (!stopping) {
        selector.select(acceptPausedUntilNanos != 0 ? 50 : 250);
        registerListener();
        resumeAccepting();
        registerArrivals();
        boolean acceptable = false;
        for (SelectionKey key : selector.selectedKeys()) {
          if (key == listenerKey) {
            acceptable = true;
          } else {
            handle(key);
          }
        }
        selector.selectedKeys().clear();
        if (acceptable) {
          acceptReady(); // after the round's other events: tunnels that closed in it no longer count as load
        }
        sweepTimeouts();
        runReleased();
      }
    } catch (IOException | ClosedSelectorException e) {
      LOG.atError().addKeyValue("error", e.toString()).log("egress.relay_loop_failed");
    } finally {
      closeAll("shutdown");
    }
  }

  private void registerListener() throws IOException {
    Listening next = newListening;
    if (next == null) {
      return;
    }
    newListening = null;
    listening = next;
    try {
      listenerKey = next.listener().register(selector, SelectionKey.OP_ACCEPT, next);
    } catch (ClosedChannelException e) {
      listening = null; // stopped accepting before the loop got to it
    }
  }

  /** Accepts what is waiting (a bounded number) and places each admitted client on a loop to read its head. */
  private void acceptReady() {
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
      SocketChannel client;
      try {
        client = listening.listener().accept();
      } catch (ClosedChannelException e) {
        listenerKey.cancel();
        return;
      } catch (IOException e) {
        LOG.atWarn().addKeyValue("error", e.toString()).log("egress.accept_failed");
        listenerKey.interestOps(0);
        acceptPausedUntilNanos = System.nanoTime() + ACCEPT_PAUSE_NANOS;
        return;
      }
      if (client == null) {
        return;
      }
      place(client);
    }
  }

  private void place(SocketChannel client) {
    try {
      client.configureBlocking(false);
      client.setOption(StandardSocketOptions.TCP_NODELAY, true);
    } catch (IOException e) {
      closeQuietly(client); // not admitted yet: nothing to release
      return;
    }
    if (!listening.admission().admit(client)) {
      return;
    }
    RelayLoop loop = listening.placement().get();
    if (loop != this) {
      loop.readHead(client, listening.handler(), listening.limits());
      return;
    }
    load.incrementAndGet();
    PendingHead head = new PendingHead(client, listening.handler(), listening.limits());
    if (startReading(head)) {
      readHead(head); // the head has often arrived by now: one selector round less
    }
  }

  private void resumeAccepting() {
    if (acceptPausedUntilNanos == 0 || System.nanoTime() - acceptPausedUntilNanos < 0) {
      return;
    }
    acceptPausedUntilNanos = 0;
    if (listenerKey.isValid()) {
      listenerKey.interestOps(SelectionKey.OP_ACCEPT);
    }
  }

  private void registerArrivals() {
    Tunnel tunnel;
    while ((tunnel = arrivals.poll()) != null) {
      open(tunnel);
    }
    PendingHead head;
    while ((head = newClients.poll()) != null) {
      startReading(head);
    }
  }

  /** Registers the client to have its head read; false when that failed (the handler was told). */
  private boolean startReading(PendingHead head) {
    try {
      head.client.register(selector, SelectionKey.OP_READ, head);
      heads.add(head);
      return true;
    } catch (IOException e) {
      after(head, head.handler.failed(head.client, e));
      return false;
    }
  }

  private void open(Tunnel tunnel) {
    tunnels.add(tunnel);
    tunnel.connectDeadlineNanos = System.nanoTime() + tunnel.target.connectTimeout().toNanos();
    connectNext(tunnel);
  }

  private void readHead(PendingHead head) {
    HeadHandler.Next next;
    try {
      next = head.readAvailable();
    } catch (IOException | BadRequestException e) {
      next = head.handler.failed(head.client, e);
    } catch (RuntimeException e) {
      LOG.atError().addKeyValue("error", e.toString()).log("egress.head_handler_failed");
      next = head.handler.failed(head.client, new IOException(e));
    }
    if (next != null) {
      after(head, next);
    }
  }

  /** The head is done with: open the tunnel here, or release the client to a blocking job. */
  private void after(PendingHead head, HeadHandler.Next next) {
    heads.remove(head);
    switch (next) {
      case HeadHandler.Next.Open open -> {
        // Read nothing more as a head: bytes sent before the 200 stay in the socket for the tunnel to relay.
        head.client.keyFor(selector).interestOps(0);
        stats.open.increment();
        open(open.tunnel());
      }
      case HeadHandler.Next.Blocking blocking -> {
        load.decrementAndGet();
        SelectionKey key = head.client.keyFor(selector);
        if (key != null) {
          key.cancel();
        }
        released.add(new Released(head.client, blocking.job()));
      }
    }
  }

  /** A client whose key is cancelled; blocking mode can be set once the key has left the selector. */
  private record Released(SocketChannel client, Runnable job) {}

  private void runReleased() throws IOException {
    if (released.isEmpty()) {
      return;
    }
    selector.selectNow(); // deregisters the cancelled keys; what it finds ready is handled in the next round
    for (Released each : released) {
      try {
        each.client().configureBlocking(true);
      } catch (IOException | RuntimeException e) {
        closeQuietly(each.client()); // the job sees a closed channel and cleans up
      }
      Thread.ofVirtual().name("egress-conn").start(each.job());
    }
    released.clear();
  }

  /** Starts a non-blocking connect to the next checked address, or reports failure when none is left. */
  private void connectNext(Tunnel tunnel) {
    while (tunnel.nextAddress < tunnel.target.addresses().size()) {
      InetSocketAddress address =
          new InetSocketAddress(tunnel.target.addresses().get(tunnel.nextAddress++), tunnel.target.port());
      SocketChannel channel = null;
      try {
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        tunnel.upstream = channel;
        // A connect over loopback has usually completed by the time it returns: one selector round less.
        if (channel.connect(address) || channel.finishConnect()) {
          established(tunnel, channel);
        } else {
          tunnel.upstreamKey = channel.register(selector, SelectionKey.OP_CONNECT, tunnel);
        }
        return;
      } catch (IOException e) {
        tunnel.lastFailure = ConnectFailure.of(e);
        tunnel.upstreamKey = null;
        closeQuietly(channel);
      }
    }
    connectFailed(tunnel, tunnel.lastFailure);
  }

  private void finishConnect(Tunnel tunnel, SelectionKey key) {
    SocketChannel channel = (SocketChannel) key.channel();
    try {
      if (channel.finishConnect()) {
        established(tunnel, channel);
      }
    } catch (IOException e) {
      key.cancel();
      tunnel.upstreamKey = null;
      closeQuietly(channel);
      tunnel.lastFailure = ConnectFailure.of(e);
      if (System.nanoTime() < tunnel.connectDeadlineNanos) {
        connectNext(tunnel);
      } else {
        connectFailed(tunnel, ConnectFailure.timeout());
      }
    }
  }

  /** The upstream answered: queue the 200 for the client and the early bytes for the upstream, and relay. */
  private void established(Tunnel tunnel, SocketChannel channel) {
    long now = System.nanoTime();
    tunnel.connectedTo(channel);
    tunnel.lastActivityNanos = now;
    if (tunnel.firstToClient.length > 0) {
      tunnel.down.pending = ByteBuffer.wrap(tunnel.firstToClient);
    }
    if (tunnel.firstToUpstream.length > 0) {
      tunnel.up.pending = ByteBuffer.wrap(tunnel.firstToUpstream);
    }
    try {
      tunnel.client().configureBlocking(false);
      flush(tunnel, tunnel.down);
      flush(tunnel, tunnel.up);
      tunnel.clientKey = tunnel.client().register(selector, tunnel.interestFor(tunnel.client()), tunnel);
      if (tunnel.upstreamKey == null) {
        tunnel.upstreamKey = channel.register(selector, 0, tunnel);
      }
      tunnel.upstreamKey.interestOps(tunnel.interestFor(channel));
      InetSocketAddress remote = (InetSocketAddress) channel.getRemoteAddress();
      tunnel.listener().connected(tunnel, remote, Duration.ofNanos(now - tunnel.startedNanos));
    } catch (IOException | RuntimeException e) {
      close(tunnel, "reset");
    }
  }

  /** Gives the client connection back to the listener, which answers it. */
  private void connectFailed(Tunnel tunnel, ConnectFailure failure) {
    tunnel.closed = true;
    tunnels.remove(tunnel);
    if (tunnel.upstreamKey != null) {
      tunnel.upstreamKey.cancel();
    }
    closeQuietly(tunnel.upstream());
    stats.open.decrement();
    load.decrementAndGet();
    SelectionKey clientKey = tunnel.client().keyFor(selector);
    if (clientKey == null) {
      tellConnectFailed(tunnel, failure);
      return;
    }
    // The head was read on this loop: the listener answers in blocking mode, once the key has left the selector.
    clientKey.cancel();
    released.add(new Released(tunnel.client(), () -> tellConnectFailed(tunnel, failure)));
  }

  private static void tellConnectFailed(Tunnel tunnel, ConnectFailure failure) {
    try {
      tunnel.listener().connectFailed(tunnel, failure);
    } catch (RuntimeException e) {
      LOG.atError().addKeyValue("id", tunnel.id()).addKeyValue("error", e.toString()).log("egress.listener_failed");
    }
  }

  private void handle(SelectionKey key) {
    if (key.attachment() instanceof PendingHead head) {
      readHead(head);
      return;
    }
    Tunnel tunnel = (Tunnel) key.attachment();
    if (tunnel.closed) {
      return;
    }
    if (!tunnel.established) {
      finishConnect(tunnel, key);
      return;
    }
    SocketChannel side = (SocketChannel) key.channel();
    boolean isClient = side == tunnel.client();
    try {
      int ready = key.readyOps();
      if ((ready & SelectionKey.OP_WRITE) != 0) {
        flush(tunnel, isClient ? tunnel.down : tunnel.up);
      }
      if ((ready & SelectionKey.OP_READ) != 0 && !tunnel.closed) {
        relay(tunnel, isClient ? tunnel.up : tunnel.down);
      }
      if (!tunnel.closed) {
        updateInterest(tunnel);
      }
    } catch (IOException | CancelledKeyException e) {
      close(tunnel, "reset");
    }
  }

  /**
   * Reads what the source has and writes as much as the sink takes; keeps the rest pending. Repeats a few times
   * while the source fills whole buffers and the sink takes them, to save selector round trips on bulk transfers.
   */
  private void relay(Tunnel tunnel, Tunnel.Direction direction) throws IOException {
    for (int i = 0; i < READS_PER_EVENT && direction.pending == null && !direction.sourceDone; i++) {
      boolean filled = relayOnce(tunnel, direction);
      if (!filled) {
        return;
      }
    }
  }

  /** One read and write; returns true when the read filled the whole buffer (more is probably waiting). */
  private boolean relayOnce(Tunnel tunnel, Tunnel.Direction direction) throws IOException {
    ByteBuffer buffer = takeBuffer();
    int read = direction.source.read(buffer);
    if (read <= 0) {
      giveBack(buffer);
      if (read < 0) {
        if (!isClosing(tunnel)) {
          load.decrementAndGet();
        }
        direction.sourceDone = true;
        direction.sink.shutdownOutput();
        if (tunnel.up.sourceDone && tunnel.down.sourceDone) {
          close(tunnel, "completed");
        }
      }
      return false;
    }
    tunnel.lastActivityNanos = System.nanoTime();
    direction.bytes += read;
    (direction == tunnel.up ? stats.bytesUp : stats.bytesDown).add(read);
    boolean filled = !buffer.hasRemaining();
    buffer.flip();
    direction.sink.write(buffer);
    if (buffer.hasRemaining()) {
      direction.pending = buffer;
      return false;
    }
    giveBack(buffer);
    return filled;
  }

  private void flush(Tunnel tunnel, Tunnel.Direction direction) throws IOException {
    ByteBuffer buffer = direction.pending;
    if (buffer == null) {
      return;
    }
    direction.sink.write(buffer);
    tunnel.lastActivityNanos = System.nanoTime();
    if (!buffer.hasRemaining()) {
      direction.pending = null;
      giveBack(buffer);
    }
  }

  private static void updateInterest(Tunnel tunnel) {
    tunnel.clientKey.interestOps(tunnel.interestFor(tunnel.client()));
    tunnel.upstreamKey.interestOps(tunnel.interestFor(tunnel.upstream()));
  }

  private void sweepTimeouts() {
    long now = System.nanoTime();
    if (now - lastSweepNanos < SWEEP_INTERVAL_NANOS) {
      return;
    }
    lastSweepNanos = now;
    List<Tunnel> expired = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    List<Tunnel> connectTimedOut = new ArrayList<>();
    for (Tunnel tunnel : tunnels) {
      if (!tunnel.established) {
        if (now - tunnel.connectDeadlineNanos > 0) {
          connectTimedOut.add(tunnel);
        }
      } else if (now - tunnel.startedNanos > maxLifetimeNanos) {
        expired.add(tunnel);
        reasons.add("max_lifetime");
      } else if (now - tunnel.lastActivityNanos > idleTimeoutNanos) {
        expired.add(tunnel);
        reasons.add("idle_timeout");
      }
    }
    for (int i = 0; i < expired.size(); i++) {
      close(expired.get(i), reasons.get(i));
    }
    for (Tunnel tunnel : connectTimedOut) {
      connectFailed(tunnel, ConnectFailure.timeout());
    }
    for (PendingHead head : List.copyOf(heads)) {
      if (now - head.deadlineNanos > 0) {
        after(head, head.handler.failed(head.client,
            new BadRequestException(408, "head_timeout", "request head not received in time")));
      }
    }
  }

  private void closeAll(String reason) {
    for (Tunnel tunnel : List.copyOf(tunnels)) {
      close(tunnel, reason);
    }
    Tunnel waiting;
    while ((waiting = arrivals.poll()) != null) {
      tunnels.add(waiting);
      close(waiting, reason);
    }
    PendingHead head;
    while ((head = newClients.poll()) != null) {
      heads.add(head);
    }
    for (PendingHead each : heads) {
      closeQuietly(each.client);
    }
    heads.clear();
    for (Released each : released) {
      closeQuietly(each.client());
    }
    released.clear();
    try {
      selector.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
  }

  private void close(Tunnel tunnel, String reason) {
    if (tunnel.closed) {
      return;
    }
    tunnel.closed = true;
    tunnels.remove(tunnel);
    releasePending(tunnel.up);
    releasePending(tunnel.down);
    closeQuietly(tunnel.client());
    if (tunnel.upstream() != null) {
      closeQuietly(tunnel.upstream());
    }
    stats.open.decrement();
    if (!isClosing(tunnel)) {
      load.decrementAndGet();
    }
    Duration duration = Duration.ofNanos(System.nanoTime() - tunnel.startedNanos);
    try {
      tunnel.listener().closed(tunnel, reason, tunnel.up.bytes, tunnel.down.bytes, duration);
    } catch (RuntimeException e) {
      LOG.atError().addKeyValue("id", tunnel.id()).addKeyValue("error", e.toString()).log("egress.listener_failed");
    }
  }

  /**
   * A tunnel one side of which has finished sending is closing: it no longer counts towards the loop's load, so the
   * next client of a client that opens one tunnel after another is read on the same loop instead of being handed to
   * another loop's thread because the previous tunnel's close is still under way.
   */
  private static boolean isClosing(Tunnel tunnel) {
    return tunnel.up.sourceDone || tunnel.down.sourceDone;
  }

  private void releasePending(Tunnel.Direction direction) {
    if (direction.pending != null) {
      giveBack(direction.pending);
      direction.pending = null;
    }
  }

  private ByteBuffer takeBuffer() {
    if (largeOutstanding < MAX_LARGE_BUFFERS) {
      largeOutstanding++;
      ByteBuffer buffer = largePool.pollFirst();
      return buffer != null ? buffer : ByteBuffer.allocateDirect(bufferSize);
    }
    ByteBuffer buffer = smallPool.pollFirst();
    return buffer != null ? buffer : ByteBuffer.allocateDirect(smallBufferSize);
  }

  private void giveBack(ByteBuffer buffer) {
    if (!buffer.isDirect()) {
      return;
    }
    buffer.clear();
    if (buffer.capacity() == bufferSize) {
      largeOutstanding--;
      largePool.addFirst(buffer);
    } else if (smallPool.size() < POOLED_SMALL_BUFFERS) {
      smallPool.addFirst(buffer);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // already broken; closing is best effort
    }
  }
}
