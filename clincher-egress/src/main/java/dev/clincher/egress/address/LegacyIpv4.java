package dev.clincher.egress.address;

import dev.clincher.common.net.IpLiterals;
import java.net.InetAddress;
import java.util.Optional;

/**
 * What the legacy BSD {@code inet_aton} (and the WHATWG URL host parser) would make of a numeric host:
 * one to four dot-separated parts, each decimal, octal (leading {@code 0}) or hex ({@code 0x}); the last
 * part fills the remaining bytes, so {@code 127.1} is {@code 127.0.0.1} and {@code 2130706433} is too.
 * A single trailing dot is ignored, as WHATWG does.
 *
 * <p>Clincher never connects to such spellings; this only explains, in the refusal message, where the
 * spelling would have led.
 */
final class LegacyIpv4 {
  private static final long MAX_UINT32 = 0xFFFF_FFFFL;

  private LegacyIpv4() {}

  /** The address a lenient resolver would derive from {@code text}, if any. */
  static Optional<InetAddress> interpret(String text) {
    String body = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    if (body.isEmpty()) {
      return Optional.empty();
    }
    String[] parts = body.split("\\.", -1);
    if (parts.length > 4) {
      return Optional.empty();
    }
    long value = 0;
    for (int i = 0; i < parts.length; i++) {
      long part = partValue(parts[i]);
      boolean last = i == parts.length - 1;
      long limit = last ? MAX_UINT32 >>> (8 * i) : 0xFF;
      if (part < 0 || part > limit) {
        return Optional.empty();
      }
      value = last ? (value << (8 * (4 - i))) | part : (value << 8) | part;
    }
    return Optional.of(toAddress(value));
  }

  /** Value of one part (decimal, 0-octal or 0x-hex; "0x" alone is 0), or -1; saturates above 2^32. */
  private static long partValue(String part) {
    if (part.isEmpty()) {
      return -1;
    }
    int radix = 10;
    int start = 0;
    if (part.length() >= 2 && part.charAt(0) == '0' && (part.charAt(1) == 'x' || part.charAt(1) == 'X')) {
      radix = 16;
      start = 2;
    } else if (part.length() >= 2 && part.charAt(0) == '0') {
      radix = 8;
      start = 1;
    }
    long value = 0;
    for (int i = start; i < part.length(); i++) {
      int digit = asciiDigit(part.charAt(i), radix);
      if (digit < 0) {
        return -1;
      }
      value = Math.min(value * radix + digit, MAX_UINT32 + 1);
    }
    return value;
  }

  private static int asciiDigit(char c, int radix) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return -1;
    }
    return digit < radix ? digit : -1;
  }

  private static InetAddress toAddress(long value) {
    return IpLiterals.fromBytes(new byte[] {
        (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
  }
}
