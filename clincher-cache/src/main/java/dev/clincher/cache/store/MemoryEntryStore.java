package dev.clincher.cache.store;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Optional;

/** Values in this JVM's memory, bounded by total bytes (oldest evicted first), each with its expiry. */
public final class MemoryEntryStore implements EntryStore {
  private record Value(byte[] bytes, long expiresAtMillis) {}

  private final long maxBytes;
  private final Clock clock;
  private final LinkedHashMap<String, Value> values = new LinkedHashMap<>();
  private long bytes;

  public MemoryEntryStore(long maxBytes, Clock clock) {
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  @Override
  public synchronized Optional<byte[]> get(String key) {
    Value value = values.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value.expiresAtMillis() <= clock.millis()) {
      remove(key);
      return Optional.empty();
    }
    return Optional.of(value.bytes().clone());
  }

  @Override
  public synchronized void put(String key, byte[] value, Duration ttl) {
    if (value.length > maxBytes) {
      return;
    }
    remove(key);
    Iterator<String> oldest = values.keySet().iterator();
    while (bytes + value.length > maxBytes && oldest.hasNext()) {
      bytes -= values.get(oldest.next()).bytes().length;
      oldest.remove();
    }
    values.put(key, new Value(value.clone(), clock.millis() + ttl.toMillis()));
    bytes += value.length;
  }

  @Override
  public boolean ping() {
    return true;
  }

  private void remove(String key) {
    Value old = values.remove(key);
    if (old != null) {
      bytes -= old.bytes().length;
    }
  }
}
