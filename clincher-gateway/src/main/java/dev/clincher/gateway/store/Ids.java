package dev.clincher.gateway.store;

import java.security.SecureRandom;

/** Random ids: a one-letter kind and 128 bits from {@link SecureRandom} in lower-case base32 (26 characters). */
final class Ids {
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  static String next(char kind) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    StringBuilder id = new StringBuilder(27).append(kind);
    int buffer = 0;
    int bits = 0;
    for (byte b : bytes) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        id.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      id.append(ALPHABET[(buffer << (5 - bits)) & 31]);
    }
    return id.toString();
  }

  /** Whether {@code id} can be an id at all (cheap check before a query; anything else is unknown). */
  static boolean plausible(String id) {
    return id != null && id.length() <= 64 && id.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9');
  }
}
