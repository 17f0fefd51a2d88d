package dev.clincher.cache.store;

import java.time.Duration;
import java.util.Optional;

/**
 * Cached values by key, each with a time to live. Implementations are bounded and thread-safe; backends throw
 * {@link dev.clincher.cache.index.CacheBackendException} when their store cannot be reached.
 */
public interface EntryStore extends AutoCloseable {

  Optional<byte[]> get(String key);

  void put(String key, byte[] value, Duration ttl);

  /** Whether the store answers now (readiness). */
  boolean ping();

  @Override
  default void close() {}
}
