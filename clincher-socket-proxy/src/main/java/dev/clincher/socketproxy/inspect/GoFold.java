package dev.clincher.socketproxy.inspect;

/**
 * How Go's {@code encoding/json} compares object keys with struct field names: case-insensitively, per code point
 * {@code ToUpper(ToLower(c))}. So {@code "privileged"}, {@code "PRIVILEGED"} and even {@code "Privıleged"} (dotless ı)
 * all set {@code Privileged}. Older Go versions folded with {@code bytes.EqualFold}, which disagrees on a few
 * non-ASCII letters, so keys with a non-ASCII letter that folds to ASCII are refused as ambiguous.
 */
public final class GoFold {
  private GoFold() {}

  /** The folded form: equal for two keys exactly when Go matches them to the same field. */
  public static String fold(String key) {
    StringBuilder folded = new StringBuilder(key.length());
    key.codePoints().forEach(c -> folded.appendCodePoint(foldCodePoint(c)));
    return folded.toString();
  }

  /** Whether the key holds a non-ASCII character that some Go version matches with an ASCII letter. */
  public static boolean isAmbiguous(String key) {
    return key.codePoints().anyMatch(c -> c >= 0x80 && (foldCodePoint(c) < 0x80
        || Character.toLowerCase(c) < 0x80 || Character.toUpperCase(c) < 0x80));
  }

  private static int foldCodePoint(int c) {
    if (c < 0x80) {
      return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
    }
    return Character.toUpperCase(Character.toLowerCase(c));
  }
}
