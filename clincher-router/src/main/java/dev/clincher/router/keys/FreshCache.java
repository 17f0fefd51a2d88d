package dev.clincher.router.keys;

import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records found in the database, served from memory while {@link RevisionWatch} vouches for them. Absent records are
 * not cached (the cache stays as small as the tables, and a guessed key always costs a lookup).
 */
final class FreshCache<T> {
  /** Reads one record. */
  @FunctionalInterface
  interface Loader<T> {
    Optional<T> load(String id) throws SQLException;
  }

  private record Entry<T>(T value, long generation) {}

  private final ConcurrentHashMap<String, Entry<T>> entries = new ConcurrentHashMap<>();
  private final RevisionWatch watch;

  FreshCache(RevisionWatch watch) {
    this.watch = watch;
  }

  Optional<T> get(String id, Loader<T> loader) throws SQLException {
    long generation = watch.generation(); // before the lookup: a change during it makes the entry stale
    Entry<T> entry = entries.get(id);
    if (entry != null && entry.generation() == generation && watch.trusted()) {
      return Optional.of(entry.value());
    }
    Optional<T> loaded = loader.load(id);
    if (loaded.isPresent()) {
      entries.put(id, new Entry<>(loaded.get(), generation));
    } else {
      entries.remove(id);
    }
    return loaded;
  }

  void clear() {
    entries.clear();
  }
}
