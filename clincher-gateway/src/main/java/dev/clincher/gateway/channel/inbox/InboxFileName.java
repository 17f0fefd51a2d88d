package dev.clincher.gateway.channel.inbox;

/**
 * Makes a file name a user sent safe to create in the sandbox's inbox: the last path segment only (no {@code /} or
 * {@code \}), ASCII letters, digits, {@code . - _} (anything else becomes {@code _}), no leading dot or dash (no
 * hidden file, no option), at most {@link #MAX_LENGTH} characters with the extension kept, never empty.
 */
public final class InboxFileName {
  public static final int MAX_LENGTH = 100;
  /** An extension longer than this is not kept apart when a name is shortened or numbered. */
  private static final int MAX_EXTENSION = 10;

  private InboxFileName() {}

  /** The safe form of {@code original}. */
  public static String safe(String original) {
    String last = original.substring(Math.max(original.lastIndexOf('/'), original.lastIndexOf('\\')) + 1);
    StringBuilder name = new StringBuilder();
    last.codePoints().forEach(c -> name.append(allowed(c) ? (char) c : '_'));
    String trimmed = name.toString().replaceFirst("^[.\\-]+", "");
    return trimmed.isEmpty() || trimmed.chars().allMatch(c -> c == '_' || c == '.') ? "file" : capped(trimmed, "");
  }

  /** The {@code n}th alternative of a safe name when it is taken: {@code report-2.pdf}. */
  public static String numbered(String safeName, int n) {
    return capped(safeName, "-" + n);
  }

  private static boolean allowed(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
        || c == '_';
  }

  /** {@code stem + suffix + extension}, the stem shortened so that the whole fits {@link #MAX_LENGTH}. */
  private static String capped(String name, String suffix) {
    int dot = name.lastIndexOf('.');
    String extension = dot > 0 && name.length() - dot <= MAX_EXTENSION ? name.substring(dot) : "";
    String stem = name.substring(0, name.length() - extension.length());
    int room = MAX_LENGTH - suffix.length() - extension.length();
    return (stem.length() > room ? stem.substring(0, room) : stem) + suffix + extension;
  }
}
