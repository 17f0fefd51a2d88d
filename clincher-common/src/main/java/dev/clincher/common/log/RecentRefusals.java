package dev.clincher.common.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.json.JsonMappers;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last refusals a service made, newest first, for its read-only {@code GET /refusals/recent} (served beside
 * {@code /metrics}, behind the same token): each entry holds the time and the fields of the refusal's decision log
 * line — the rule and the reason, never a body, query or header value. At most {@link #CAPACITY}; thread-safe.
 */
public final class RecentRefusals {
  public static final String PATH = "/refusals/recent";
  public static final int CAPACITY = 100;
  private static final ObjectMapper JSON = JsonMappers.newMapper();

  private final Clock clock;
  private final ArrayDeque<Map<String, Object>> entries = new ArrayDeque<>();

  public RecentRefusals(Clock clock) {
    this.clock = clock;
  }

  /** Records one refusal: {@code at}, then these name/value pairs in order (a null value is written as ""). */
  public void add(Object... namesAndValues) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("at", clock.instant().toString());
    for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
      Object value = namesAndValues[i + 1];
      entry.put(String.valueOf(namesAndValues[i]), value == null ? "" : value);
    }
    synchronized (entries) {
      entries.addFirst(entry);
      if (entries.size() > CAPACITY) {
        entries.removeLast();
      }
    }
  }

  /** The refusals, newest first. */
  public List<Map<String, Object>> list() {
    synchronized (entries) {
      return new ArrayList<>(entries);
    }
  }

  /** {@code {"refusals":[{at, …}, …]}}. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(Map.of("refusals", list()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("maps of strings and numbers always serialize", e);
    }
  }
}
