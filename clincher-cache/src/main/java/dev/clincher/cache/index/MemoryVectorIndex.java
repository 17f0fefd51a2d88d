package dev.clincher.cache.index;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;

/**
 * The embedded index: every namespace in this JVM's memory, scanned linearly (a few thousand 384-dimension vectors
 * take well under a millisecond). Bounded twice: entries per namespace (oldest evicted) and namespaces (least
 * recently used evicted).
 */
public final class MemoryVectorIndex implements VectorIndex {
  private final int maxEntriesPerNamespace;
  private final Clock clock;
  private final LinkedHashMap<String, Namespace> namespaces;

  /**
   * @param maxEntriesPerNamespace entries kept per namespace
   * @param maxNamespaces          namespaces kept (least recently used dropped beyond it)
   */
  public MemoryVectorIndex(int maxEntriesPerNamespace, int maxNamespaces, Clock clock) {
    if (maxEntriesPerNamespace < 1) {
      throw new IllegalArgumentException("bounds must be at least 1");
    }
    this.maxEntriesPerNamespace = maxEntriesPerNamespace;
    this.clock = clock;
    this.namespaces = Lru.map(maxNamespaces);
  }

  @Override
  public void put(String namespace, String id, float[] vector, Duration ttl) {
    long now = clock.millis();
    Namespace entries = namespace(namespace, true);
    synchronized (entries) {
      entries.put(id, new Namespace.Entry(vector.clone(), now + ttl.toMillis()), now);
    }
  }

  @Override
  public Optional<Match> nearest(String namespace, float[] vector, float min) {
    Namespace entries = namespace(namespace, false);
    if (entries == null) {
      return Optional.empty();
    }
    synchronized (entries) {
      return entries.nearest(vector, min, clock.millis());
    }
  }

  @Override
  public void remove(String namespace, String id) {
    Namespace entries = namespace(namespace, false);
    if (entries != null) {
      synchronized (entries) {
        entries.remove(id);
      }
    }
  }

  @Override
  public int size(String namespace) {
    Namespace entries = namespace(namespace, false);
    if (entries == null) {
      return 0;
    }
    synchronized (entries) {
      return entries.live(clock.millis());
    }
  }

  private synchronized Namespace namespace(String name, boolean create) {
    Namespace entries = namespaces.get(name);
    if (entries == null && create) {
      entries = new Namespace(maxEntriesPerNamespace);
      namespaces.put(name, entries);
    }
    return entries;
  }
}
