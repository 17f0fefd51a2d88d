package dev.clincher.cache.index;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one namespace holds, in least-recently-used order, with each entry's expiry and size: decides which entries a
 * bounded index evicts. Not thread-safe; the owning index synchronizes.
 */
final class Ledger {
  /** One entry's expiry (epoch milliseconds) and what it counts against the byte bound. */
  record Held(long expiresAtMillis, long bytes) {}

  private final int maxEntries;
  private final long maxBytes;
  private final LinkedHashMap<String, Held> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  Ledger(IndexBounds bounds) {
    this.maxEntries = bounds.maxEntriesPerNamespace();
    this.maxBytes = bounds.maxBytesPerNamespace();
  }

  /**
   * Records {@code id} as the most recently used entry and returns the ids to evict to stay within the bounds:
   * expired entries first, then the least recently used.
   */
  List<String> add(String id, Held held, long nowMillis) {
    remove(id);
    entries.put(id, held);
    bytes += held.bytes();
    List<String> evicted = new ArrayList<>();
    if (over()) {
      evicted.addAll(dropExpired(nowMillis));
    }
    Iterator<Map.Entry<String, Held>> oldest = entries.entrySet().iterator();
    while (over() && oldest.hasNext()) {
      Map.Entry<String, Held> entry = oldest.next();
      if (entry.getKey().equals(id)) {
        break; // never evict what was just added
      }
      bytes -= entry.getValue().bytes();
      evicted.add(entry.getKey());
      oldest.remove();
    }
    return evicted;
  }

  /** Whether {@code id} is held and not expired at {@code nowMillis}; if so, marks it used (a hit). */
  boolean live(String id, long nowMillis) {
    Held held = entries.get(id); // access order: now the most recently used
    return held != null && held.expiresAtMillis() > nowMillis;
  }

  boolean remove(String id) {
    Held old = entries.remove(id);
    if (old != null) {
      bytes -= old.bytes();
    }
    return old != null;
  }

  /** Removes and returns the ids expired at {@code nowMillis}. */
  List<String> dropExpired(long nowMillis) {
    List<String> expired = new ArrayList<>();
    Iterator<Map.Entry<String, Held>> all = entries.entrySet().iterator();
    while (all.hasNext()) {
      Map.Entry<String, Held> entry = all.next();
      if (entry.getValue().expiresAtMillis() <= nowMillis) {
        bytes -= entry.getValue().bytes();
        expired.add(entry.getKey());
        all.remove();
      }
    }
    return expired;
  }

  List<String> ids() {
    return List.copyOf(entries.keySet());
  }

  int size() {
    return entries.size();
  }

  long bytes() {
    return bytes;
  }

  private boolean over() {
    return entries.size() > maxEntries || bytes > maxBytes;
  }
}
