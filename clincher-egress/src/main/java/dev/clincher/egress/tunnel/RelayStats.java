package dev.clincher.egress.tunnel;

import java.util.concurrent.atomic.LongAdder;

/** Running totals across all tunnels, read by the metrics registry. */
public final class RelayStats {
  final LongAdder bytesUp = new LongAdder();
  final LongAdder bytesDown = new LongAdder();
  final LongAdder open = new LongAdder();

  /** Bytes relayed client → upstream so far. */
  public long bytesUp() {
    return bytesUp.sum();
  }

  /** Bytes relayed upstream → client so far. */
  public long bytesDown() {
    return bytesDown.sum();
  }

  /** Tunnels open now. */
  public long open() {
    return open.sum();
  }
}
