package dev.clincher.socketproxy.proxy;

/** Comma-separated header values ({@code Connection: keep-alive, Upgrade}), read without regular expressions. */
final class Tokens {
  private Tokens() {}

  /** Whether {@code value} lists {@code token} (compared ignoring ASCII case and surrounding whitespace). */
  static boolean contains(String value, String token) {
    int start = 0;
    while (start <= value.length()) {
      int comma = value.indexOf(',', start);
      int end = comma < 0 ? value.length() : comma;
      if (value.substring(start, end).trim().equalsIgnoreCase(token)) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }
}
