package dev.clincher.gateway.policy;

import dev.clincher.common.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of an allow or deny list: an exact tool name ({@code exec}), a glob with {@code *} ({@code sessions_*},
 * {@code *}) or a group ({@code group:fs}). Case-insensitive: entries are lower-cased when parsed and tool names are
 * matched in lower case. Entries may only use {@code a-z 0-9 _ *} (and the {@code group:} prefix); anything else,
 * and an unknown group, fails at start-up.
 *
 * @param text the entry as normalised (lower case), for decisions and logs
 * @param names for a group, its tool names; empty otherwise
 * @param glob for a name or glob, the pattern; null for a group
 */
public record ToolPattern(String text, Set<String> names, Pattern glob) {

  /** The groups and their tools. */
  public static final Map<String, Set<String>> GROUPS = Map.of(
      "group:runtime", Set.of("exec", "process"),
      "group:fs", Set.of("read", "write", "edit", "list"),
      "group:web", Set.of("web_fetch"),
      "group:memory", Set.of("memory_save", "memory_search"),
      "group:sessions", Set.of("sessions_list", "sessions_history"));

  private static final Pattern ENTRY = Pattern.compile("[a-z0-9_*]{1,64}");

  /**
   * Parses one entry.
   *
   * @throws ConfigException naming {@code key} when the entry is not a valid name, glob or known group
   */
  public static ToolPattern parse(String source, String key, String entry) throws ConfigException {
    if (entry == null) {
      throw new ConfigException(source, key, "empty tool pattern");
    }
    String text = asciiLower(entry);
    if (text.startsWith("group:")) {
      Set<String> members = GROUPS.get(text);
      if (members == null) {
        throw new ConfigException(source, key, "unknown tool group \"" + entry + "\"; known groups: "
            + GROUPS.keySet().stream().sorted().toList());
      }
      return new ToolPattern(text, members, null);
    }
    if (!ENTRY.matcher(text).matches()) {
      throw new ConfigException(source, key, "\"" + entry + "\" is not a tool name, glob or group:<name> "
          + "(letters a-z, digits, '_' and '*' only, at most 64)");
    }
    String regex = String.join("[a-z0-9_]*", List.of(text.split("\\*", -1)).stream().map(Pattern::quote).toList());
    return new ToolPattern(text, Set.of(), Pattern.compile(regex));
  }

  /** {@code text} with only the ASCII letters A-Z lower-cased (no Unicode case mapping: no Kelvin sign to k). */
  static String asciiLower(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return out.toString();
  }

  /** True if this entry covers {@code name} (a normalised tool name). */
  public boolean matches(String name) {
    return glob == null ? names.contains(name) : glob.matcher(name).matches();
  }

  @Override
  public String toString() {
    return text;
  }
}
