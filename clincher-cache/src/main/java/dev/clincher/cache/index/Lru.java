package dev.clincher.cache.index;

import java.util.LinkedHashMap;
import java.util.Map;

/** A map that keeps at most {@code max} keys, dropping the least recently used (not thread-safe). */
final class Lru {
  private Lru() {}

  static <V> LinkedHashMap<String, V> map(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("bounds must be at least 1");
    }
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > max;
      }
    };
  }
}
