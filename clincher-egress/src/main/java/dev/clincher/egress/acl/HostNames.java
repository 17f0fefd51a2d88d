package dev.clincher.egress.acl;

import java.net.IDN;
import java.util.Arrays;
import java.util.Locale;

/**
 * Brings host names and IP literals to the one spelling the ACL compares: lower-case ASCII (Punycode for
 * international names), no trailing dot, IPv6 in RFC 5952 form without brackets. This mirrors Smokescreen's
 * {@code hostport.NormalizeHost} ({@code pkg/smokescreen/hostport/hostport.go}), which prints IPs with Go's
 * {@code net.IP.String} and converts names with {@code idna.Lookup.ToASCII}.
 *
 * <p>Pure text work: nothing here touches DNS.
 */
final class HostNames {
  private HostNames() {}

  /**
   * The canonical spelling of a requested host, or {@code null} when it is empty or not a host name at all (the
   * ACL then denies with {@code invalid_host}).
   */
  static String normalize(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      return canonicalIpv6(host.substring(1, host.length() - 1));
    }
    if (host.indexOf(':') >= 0) {
      return canonicalIpv6(host);
    }
    String ascii = toAscii(host);
    if (ascii == null) {
      return null;
    }
    String name = ascii.endsWith(".") ? ascii.substring(0, ascii.length() - 1) : ascii;
    return isHostChars(name) ? name : null;
  }

  /** Lower-case ASCII for a name, converting non-ASCII names to Punycode; {@code null} when that fails. */
  static String toAscii(String name) {
    if (isAscii(name)) {
      return name.toLowerCase(Locale.ROOT);
    }
    try {
      return IDN.toASCII(name, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) > 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** Letters, digits, hyphen, dot and underscore (underscores occur in real DNS names, though not in globs). */
  private static boolean isHostChars(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * The RFC 5952 spelling of an IPv6 literal (lower-case hex, longest run of two or more zero groups as {@code ::}),
   * or the dotted quad for an IPv4-mapped address, as Go's {@code net.IP.String} prints them; {@code null} when the
   * text is not an IPv6 literal. Zone ids ({@code %eth0}) are not accepted.
   */
  static String canonicalIpv6(String text) {
    int[] groups = parseIpv6(text);
    if (groups == null) {
      return null;
    }
    if (isIpv4Mapped(groups)) {
      return (groups[6] >> 8) + "." + (groups[6] & 0xff) + "." + (groups[7] >> 8) + "." + (groups[7] & 0xff);
    }
    return formatIpv6(groups);
  }

  private static boolean isIpv4Mapped(int[] groups) {
    for (int i = 0; i < 5; i++) {
      if (groups[i] != 0) {
        return false;
      }
    }
    return groups[5] == 0xffff;
  }

  /** Eight 16-bit groups, or {@code null}. */
  private static int[] parseIpv6(String text) {
    int gap = text.indexOf("::");
    if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    String head = gap < 0 ? text : text.substring(0, gap);
    String tail = gap < 0 ? "" : text.substring(gap + 2);
    int[] headGroups = parseGroups(head, gap < 0);
    int[] tailGroups = parseGroups(tail, true);
    if (headGroups == null || tailGroups == null) {
      return null;
    }
    int explicit = headGroups.length + tailGroups.length;
    if (gap < 0 ? explicit != 8 : explicit > 7) {
      return null;
    }
    int[] groups = new int[8];
    System.arraycopy(headGroups, 0, groups, 0, headGroups.length);
    System.arraycopy(tailGroups, 0, groups, 8 - tailGroups.length, tailGroups.length);
    return groups;
  }

  /** Colon-separated hex groups; the last may be a dotted IPv4 address when {@code ipv4Allowed}. */
  private static int[] parseGroups(String part, boolean ipv4Allowed) {
    if (part.isEmpty()) {
      return new int[0];
    }
    String[] pieces = part.split(":", -1);
    int[] groups = new int[pieces.length + 1];
    int count = 0;
    for (int i = 0; i < pieces.length; i++) {
      String piece = pieces[i];
      if (piece.indexOf('.') >= 0) {
        long ipv4 = ipv4Allowed && i == pieces.length - 1 ? parseIpv4(piece) : -1;
        if (ipv4 < 0) {
          return null;
        }
        groups[count++] = (int) (ipv4 >>> 16);
        groups[count++] = (int) (ipv4 & 0xffff);
      } else {
        int value = parseHexGroup(piece);
        if (value < 0) {
          return null;
        }
        groups[count++] = value;
      }
    }
    return Arrays.copyOf(groups, count);
  }

  private static int parseHexGroup(String piece) {
    if (piece.isEmpty() || piece.length() > 4) {
      return -1;
    }
    int value = 0;
    for (int i = 0; i < piece.length(); i++) {
      int digit = Character.digit(piece.charAt(i), 16);
      if (digit < 0) {
        return -1;
      }
      value = value * 16 + digit;
    }
    return value;
  }

  /**
   * A strict dotted quad (four decimal parts 0-255, no leading zeros, as Go parses IPv4) as an unsigned 32-bit
   * value; -1 when invalid.
   */
  private static long parseIpv4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return -1;
    }
    long value = 0;
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')) {
        return -1;
      }
      int octet = 0;
      for (int i = 0; i < part.length(); i++) {
        char c = part.charAt(i);
        if (c < '0' || c > '9') {
          return -1;
        }
        octet = octet * 10 + (c - '0');
      }
      if (octet > 255) {
        return -1;
      }
      value = (value << 8) | octet;
    }
    return value;
  }

  private static String formatIpv6(int[] groups) {
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      int end = i;
      while (end < 8 && groups[end] == 0) {
        end++;
      }
      if (end - i > bestLength) {
        bestStart = i;
        bestLength = end - i;
      }
      i = end == i ? i + 1 : end;
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    return text.toString();
  }
}
