package dev.clincher.socketproxy.proxy;

import dev.clincher.socketproxy.inspect.BodyDeniedException;
import dev.clincher.socketproxy.inspect.ListingFilter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sandbox label filter for listings ({@link ListingFilter#withLabel}), with the latest accepted queries
 * remembered. The rewrite depends on nothing but the query and the label, and clients (the CLI, the gateway, a
 * dashboard) repeat the same few listing queries, so a remembered rewrite is the one that would be computed again.
 * A refused query is never remembered: it is judged, and refused, every time. Long queries are not remembered.
 */
final class ListingQueries {
  private static final int REMEMBERED = 256;
  private static final int MAX_REMEMBERED_LENGTH = 1024;

  private final String label;
  private final Map<String, String> rewritten = new LinkedHashMap<>(64, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > REMEMBERED;
    }
  };

  ListingQueries(String label) {
    this.label = label;
  }

  /** The query with the label filter added (without the leading {@code ?}). */
  String withLabel(String rawQuery) throws BodyDeniedException {
    synchronized (rewritten) {
      String known = rewritten.get(rawQuery);
      if (known != null) {
        return known;
      }
    }
    String query = ListingFilter.withLabel(rawQuery, label);
    if (rawQuery.length() <= MAX_REMEMBERED_LENGTH) {
      synchronized (rewritten) {
        rewritten.put(rawQuery, query);
      }
    }
    return query;
  }
}
