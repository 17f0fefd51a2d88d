package dev.clincher.egress.tunnel;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

/**
 * A tunnel between a client and an upstream, from the upstream connect to the close, driven by one
 * {@link RelayLoop}. The loop opens the upstream connection itself (non-blocking, to the checked addresses only),
 * so a new tunnel costs no extra thread hand-offs. All mutable state is touched only by that loop's thread after
 * {@link TunnelRelay#start} hands the tunnel over.
 */
public final class Tunnel {
  /**
   * Where to connect: already checked addresses, tried in order within one overall timeout.
   *
   * @param addresses checked addresses; never resolved again
   * @param port the destination port
   * @param connectTimeout for all addresses together
   */
  public record Target(List<InetAddress> addresses, int port, Duration connectTimeout) {
    public Target {
      addresses = List.copyOf(addresses);
    }
  }

  private final String id;
  private final SocketChannel client;
  private final TunnelListener listener;
  final Target target;
  final byte[] firstToClient;
  final byte[] firstToUpstream;
  final Direction up;
  final Direction down;
  SocketChannel upstream;
  int nextAddress;
  ConnectFailure lastFailure = new ConnectFailure(502, "connect_failed", "no address to connect to");
  final long startedNanos;
  long connectDeadlineNanos;
  long lastActivityNanos;
  boolean established;
  SelectionKey clientKey;
  SelectionKey upstreamKey;
  boolean closed;

  /**
   * @param id the request id that opened the tunnel, for logs
   * @param client the client's connection; its request was read and allowed
   * @param target where to connect
   * @param firstToClient sent to the client once connected, before any upstream byte (the 200 response)
   * @param firstToUpstream sent to the upstream once connected (bytes the client sent right after its request)
   * @param listener told when the connect succeeds or fails and when the tunnel closes
   */
  public Tunnel(String id, SocketChannel client, Target target, byte[] firstToClient, byte[] firstToUpstream,
      TunnelListener listener) {
    this.id = id;
    this.client = client;
    this.target = target;
    this.firstToClient = firstToClient.clone();
    this.firstToUpstream = firstToUpstream.clone();
    this.listener = listener;
    this.up = new Direction();
    this.down = new Direction();
    this.startedNanos = System.nanoTime();
    this.lastActivityNanos = startedNanos;
  }

  public String id() {
    return id;
  }

  /** The client's connection; after a failed connect the listener owns it again. */
  public SocketChannel client() {
    return client;
  }

  SocketChannel upstream() {
    return upstream;
  }

  TunnelListener listener() {
    return listener;
  }

  /** Wires both directions once the upstream is connected. */
  void connectedTo(SocketChannel channel) {
    upstream = channel;
    up.source = client;
    up.sink = channel;
    down.source = channel;
    down.sink = client;
    established = true;
  }

  /** The interest set for one side: read while its outgoing direction has nothing pending, write while its incoming one does. */
  int interestFor(SocketChannel side) {
    Direction outgoing = side == client ? up : down;
    Direction incoming = side == client ? down : up;
    int ops = 0;
    if (outgoing.pending == null && !outgoing.sourceDone) {
      ops |= SelectionKey.OP_READ;
    }
    if (incoming.pending != null) {
      ops |= SelectionKey.OP_WRITE;
    }
    return ops;
  }

  /** One way of the tunnel: bytes read from {@code source} are written to {@code sink}. */
  static final class Direction {
    SocketChannel source;
    SocketChannel sink;
    /** Bytes read but not yet written (the sink was full), or null. */
    ByteBuffer pending;
    /** The source sent end-of-stream and the sink's output was shut down. */
    boolean sourceDone;
    long bytes;
  }
}
