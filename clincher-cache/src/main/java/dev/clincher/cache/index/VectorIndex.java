package dev.clincher.cache.index;

import java.time.Duration;
import java.util.Optional;

/**
 * A nearest-neighbour index of unit vectors, split into namespaces (e.g. one per model group and tenant scope) that
 * never see each other's entries. Entries expire after their time to live; each namespace holds a bounded number of
 * entries (beyond it, entries are evicted). Implementations are thread-safe.
 *
 * <p>Backends throw {@link CacheBackendException} when their store cannot be reached.
 */
public interface VectorIndex extends AutoCloseable {

  /** Adds or replaces entry {@code id} of {@code namespace}. */
  void put(String namespace, String id, float[] vector, Duration ttl);

  /** The live entry of {@code namespace} most similar to {@code vector}, if its similarity is at least {@code min}. */
  Optional<Match> nearest(String namespace, float[] vector, float min);

  /** Removes entry {@code id} of {@code namespace}, if held (the backends here all implement it). */
  default void remove(String namespace, String id) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot remove entries");
  }

  /** Live entries in {@code namespace} (for tests and metrics). */
  int size(String namespace);

  @Override
  default void close() {}

  /** An entry found by {@link #nearest}: its id and cosine similarity. */
  record Match(String id, float similarity) {}
}
