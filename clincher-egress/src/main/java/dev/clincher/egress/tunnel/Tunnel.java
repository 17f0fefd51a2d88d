package dev.clincher.egress.tunnel;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * An established tunnel between a client and an upstream, relayed by one {@link RelayLoop}. All mutable state is
 * touched only by that loop's thread after {@link TunnelRelay#start} hands the tunnel over.
 */
public final class Tunnel {
  private final String id;
  private final SocketChannel client;
  private final SocketChannel upstream;
  private final TunnelListener listener;
  final Direction up;
  final Direction down;
  final long startedNanos;
  long lastActivityNanos;
  SelectionKey clientKey;
  SelectionKey upstreamKey;
  boolean closed;

  /**
   * @param id the request id that opened the tunnel, for logs
   * @param client the client's connection, already answered with 200
   * @param upstream the connection to the checked target address
   * @param listener told once when the tunnel closes
   */
  public Tunnel(String id, SocketChannel client, SocketChannel upstream, TunnelListener listener) {
    this.id = id;
    this.client = client;
    this.upstream = upstream;
    this.listener = listener;
    this.up = new Direction(client, upstream);
    this.down = new Direction(upstream, client);
    this.startedNanos = System.nanoTime();
    this.lastActivityNanos = startedNanos;
  }

  public String id() {
    return id;
  }

  SocketChannel client() {
    return client;
  }

  SocketChannel upstream() {
    return upstream;
  }

  TunnelListener listener() {
    return listener;
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
    final SocketChannel source;
    final SocketChannel sink;
    /** Bytes read but not yet written (the sink was full), or null. Owned by the loop's buffer pool. */
    ByteBuffer pending;
    /** The source sent end-of-stream and the sink's output was shut down. */
    boolean sourceDone;
    long bytes;

    Direction(SocketChannel source, SocketChannel sink) {
      this.source = source;
      this.sink = sink;
    }
  }
}
