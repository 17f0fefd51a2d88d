package dev.clincher.gateway.sandbox.docker;

import java.io.ByteArrayOutputStream;

/**
 * A command's output as kept: at most {@code cap} bytes of stdout and of stderr, every byte beyond counted and
 * dropped, so memory stays bounded whatever a sandbox prints. Thread-safe (one thread may add while another reads).
 */
public final class CappedOutput {
  private final int cap;
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private long dropped;

  /** @param cap at most this many bytes of stdout and of stderr are kept */
  public CappedOutput(int cap) {
    if (cap <= 0) {
      throw new IllegalArgumentException("cap must be positive");
    }
    this.cap = cap;
  }

  /** Keeps what fits under the cap of stdout (or of stderr) and counts the rest as dropped. */
  public synchronized void add(boolean toStderr, byte[] data, int offset, int length) {
    ByteArrayOutputStream target = toStderr ? stderr : stdout;
    int keep = Math.max(0, Math.min(length, cap - target.size()));
    target.write(data, offset, keep);
    dropped += length - keep;
  }

  /** The output kept so far. */
  public synchronized StreamDemuxer.Output output() {
    return new StreamDemuxer.Output(stdout.toByteArray(), stderr.toByteArray(), dropped);
  }
}
