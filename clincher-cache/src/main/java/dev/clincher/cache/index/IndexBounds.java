package dev.clincher.cache.index;

import java.nio.charset.StandardCharsets;

/**
 * How much an index keeps. Beyond a namespace's bounds its least recently used entries are evicted (expired ones
 * first); beyond {@code maxNamespaces} the least recently used namespace is dropped whole.
 *
 * @param maxEntriesPerNamespace entries kept per namespace
 * @param maxBytesPerNamespace   bytes of vectors and ids kept per namespace ({@link #entryBytes})
 * @param maxNamespaces          namespaces kept
 */
public record IndexBounds(int maxEntriesPerNamespace, long maxBytesPerNamespace, int maxNamespaces) {
  /** 100,000 entries (about 160 MB of 384-dimension vectors) per namespace, 1,000 namespaces. */
  public static final IndexBounds DEFAULTS = new IndexBounds(100_000, 256L << 20, 1000);

  public IndexBounds {
    if (maxEntriesPerNamespace < 1) {
      throw new IllegalArgumentException("maxEntriesPerNamespace must be at least 1, not " + maxEntriesPerNamespace);
    }
    if (maxBytesPerNamespace < 1) {
      throw new IllegalArgumentException("maxBytesPerNamespace must be at least 1, not " + maxBytesPerNamespace);
    }
    if (maxNamespaces < 1) {
      throw new IllegalArgumentException("maxNamespaces must be at least 1, not " + maxNamespaces);
    }
  }

  /**
   * What one entry counts against {@link #maxBytesPerNamespace}: its float32 vector and its id's UTF-8 bytes (Redis's
   * put script counts the same: twice its float16 vector and {@code #id}).
   */
  public static long entryBytes(String id, int dimensions) {
    return 4L * dimensions + id.getBytes(StandardCharsets.UTF_8).length;
  }
}
