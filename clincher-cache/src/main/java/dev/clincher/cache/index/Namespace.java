package dev.clincher.cache.index;

import dev.clincher.cache.embedding.Vectors;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The entries of one namespace in memory: insertion-ordered, bounded, each with its expiry. Not thread-safe; the
 * owning index synchronizes on it.
 */
final class Namespace {
  /** One vector and when it expires (epoch milliseconds). */
  record Entry(float[] vector, long expiresAtMillis) {}

  private final int maxEntries;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

  Namespace(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  void put(String id, Entry entry, long nowMillis) {
    entries.remove(id); // re-inserted at the end: the newest
    if (entries.size() >= maxEntries) {
      dropExpired(nowMillis);
    }
    Iterator<String> oldest = entries.keySet().iterator();
    while (entries.size() >= maxEntries && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
    entries.put(id, entry);
  }

  Optional<VectorIndex.Match> nearest(float[] vector, float min, long nowMillis) {
    String bestId = null;
    float best = Float.NEGATIVE_INFINITY;
    for (Map.Entry<String, Entry> entry : entries.entrySet()) {
      Entry value = entry.getValue();
      if (value.expiresAtMillis() <= nowMillis || value.vector().length != vector.length) {
        continue;
      }
      float similarity = Vectors.dot(vector, value.vector());
      if (similarity > best) {
        best = similarity;
        bestId = entry.getKey();
      }
    }
    return bestId != null && best >= min ? Optional.of(new VectorIndex.Match(bestId, best)) : Optional.empty();
  }

  /** Entry {@code id}, or null when not held. */
  Entry get(String id) {
    return entries.get(id);
  }

  /** A copy of every entry, oldest first. */
  Map<String, Entry> copy() {
    return new LinkedHashMap<>(entries);
  }

  boolean contains(String id) {
    return entries.containsKey(id);
  }

  void remove(String id) {
    entries.remove(id);
  }

  Iterable<String> ids() {
    return entries.keySet();
  }

  int live(long nowMillis) {
    dropExpired(nowMillis);
    return entries.size();
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  void dropExpired(long nowMillis) {
    entries.values().removeIf(entry -> entry.expiresAtMillis() <= nowMillis);
  }
}
