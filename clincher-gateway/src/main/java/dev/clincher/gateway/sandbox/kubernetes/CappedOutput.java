package dev.clincher.gateway.sandbox.kubernetes;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

/** Keeps the first {@code cap} bytes written and counts the rest. Thread-safe (the exec stream's reader writes). */
final class CappedOutput extends OutputStream {
  private final int cap;
  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private long dropped;

  CappedOutput(int cap) {
    this.cap = cap;
  }

  @Override
  public synchronized void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    int room = Math.max(0, Math.min(length, cap - kept.size()));
    kept.write(bytes, offset, room);
    dropped += length - room;
  }

  synchronized byte[] bytes() {
    return kept.toByteArray();
  }

  synchronized long dropped() {
    return dropped;
  }
}
