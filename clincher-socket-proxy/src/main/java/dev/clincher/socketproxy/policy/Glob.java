package dev.clincher.socketproxy.policy;

/**
 * A name pattern where {@code *} matches any run of characters (also none) and everything else matches itself.
 * Matching is linear-time backtracking over the last star only, so client-chosen names cannot make it slow.
 */
public record Glob(String pattern) {

  public boolean matches(String text) {
    int p = 0;
    int t = 0;
    int starAt = -1;
    int starText = 0;
    while (t < text.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        starAt = p++;
        starText = t;
      } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
        p++;
        t++;
      } else if (starAt >= 0) {
        p = starAt + 1;
        t = ++starText;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
