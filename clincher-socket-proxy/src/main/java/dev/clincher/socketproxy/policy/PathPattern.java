package dev.clincher.socketproxy.policy;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An anchored route pattern like {@code /containers/{id}/start}: literal segments must be equal, {@code {id}} matches
 * exactly one segment made of the characters Docker allows in container, exec, network and volume names, and
 * {@code {name*}} matches one or more segments of an image or plugin reference (which contain slashes).
 * At most one {@code {name*}} per pattern.
 */
public record PathPattern(String text, List<String> parts) {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,254}");
  private static final Pattern NAME_PART = Pattern.compile("[A-Za-z0-9_.:@+-]{1,255}");

  public PathPattern {
    parts = List.copyOf(parts);
  }

  public static PathPattern of(String text) {
    return new PathPattern(text, Arrays.asList(text.substring(1).split("/")));
  }

  public boolean matches(List<String> segments) {
    int star = parts.indexOf("{name*}");
    if (star < 0) {
      return segments.size() == parts.size() && matchesFrom(segments, 0, 0, parts.size());
    }
    int after = parts.size() - star - 1;
    int nameLength = segments.size() - star - after;
    if (nameLength < 1 || !matchesFrom(segments, 0, 0, star)) {
      return false;
    }
    for (String segment : segments.subList(star, star + nameLength)) {
      if (!NAME_PART.matcher(segment).matches()) {
        return false;
      }
    }
    return matchesFrom(segments, star + nameLength, star + 1, after);
  }

  private boolean matchesFrom(List<String> segments, int segmentStart, int partStart, int count) {
    for (int i = 0; i < count; i++) {
      String part = parts.get(partStart + i);
      String segment = segments.get(segmentStart + i);
      boolean ok = part.equals("{id}") ? ID.matcher(segment).matches() : part.equals(segment);
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
