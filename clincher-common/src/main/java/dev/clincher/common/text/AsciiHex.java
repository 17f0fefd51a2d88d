package dev.clincher.common.text;

/** Hex digits as protocols write them: ASCII only, either case. */
public final class AsciiHex {
  private AsciiHex() {}

  /** 0..15 for ASCII {@code 0-9a-fA-F}, else -1 (unlike {@code Character.digit}, no Unicode digits). */
  public static int digit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
