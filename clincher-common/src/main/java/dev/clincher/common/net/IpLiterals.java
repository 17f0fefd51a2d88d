package dev.clincher.common.net;

import dev.clincher.common.text.AsciiHex;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Strict parsing and canonical formatting of IP address literals, without ever touching DNS.
 *
 * <p>Why not {@code InetAddress.getByName}: given anything that is not a literal it asks DNS, and its
 * IPv4 parser is lenient. The parsers here accept exactly one spelling per address family:
 *
 * <ul>
 *   <li><b>IPv4</b>: the canonical dotted quad only — four ASCII decimal parts 0..255, no leading zeros,
 *       no trailing dot, no whitespace. {@code 127.0.0.1} yes; {@code 127.1}, {@code 0x7f.0.0.1},
 *       {@code 017.0.0.1}, {@code 2130706433} no.
 *   <li><b>IPv6</b>: RFC 4291 text without brackets and without a zone id ({@code %eth0} is rejected):
 *       one to four hex digits per group (either case, leading zeros allowed), at most one {@code ::},
 *       and optionally a canonical dotted-quad IPv4 tail ({@code ::ffff:127.0.0.1}).
 * </ul>
 *
 * <p>Parsed IPv6 text always yields an {@link Inet6Address}, even for IPv4-mapped addresses (which
 * {@code InetAddress.getByAddress} would silently turn into an {@link Inet4Address}); use
 * {@link #unmapIpv4(InetAddress)} to normalise. Returned addresses carry no host name, so never call
 * {@link InetAddress#getHostName()} on them (that does a reverse DNS lookup); use {@link #format}.
 */
public final class IpLiterals {

  /** Longest IPv6 text we accept: six 4-digit groups, their colons and a 15-character IPv4 tail. */
  private static final int MAX_IPV6_TEXT = 45;

  private static final int IPV4_BYTES = 4;
  private static final int IPV6_BYTES = 16;
  private static final int IPV6_GROUPS = 8;

  private IpLiterals() {}

  /** Parses IPv4 (canonical dotted quad) or IPv6 text, whichever the text is. Never uses DNS. */
  public static Optional<InetAddress> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    return text.indexOf(':') >= 0 ? parseIpv6(text) : parseIpv4Canonical(text);
  }

  /**
   * Parses a canonical dotted quad such as {@code 192.0.2.1}; any other spelling (fewer parts, octal,
   * hex, leading zeros, trailing dot, non-ASCII digits, whitespace) gives an empty result.
   */
  public static Optional<InetAddress> parseIpv4Canonical(String text) {
    if (text == null || text.isEmpty() || text.length() > 15) {
      return Optional.empty();
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length != IPV4_BYTES) {
      return Optional.empty();
    }
    byte[] bytes = new byte[IPV4_BYTES];
    for (int i = 0; i < IPV4_BYTES; i++) {
      int value = canonicalOctet(parts[i]);
      if (value < 0) {
        return Optional.empty();
      }
      bytes[i] = (byte) value;
    }
    return Optional.of(fromBytes(bytes));
  }

  /**
   * Parses IPv6 text without brackets or zone id, e.g. {@code 2001:db8::1}, {@code ::FFFF:7f00:0001}
   * or {@code 64:ff9b::192.0.2.1}. Always returns an {@link Inet6Address}.
   */
  public static Optional<InetAddress> parseIpv6(String text) {
    if (text == null || text.length() < 2 || text.length() > MAX_IPV6_TEXT) {
      return Optional.empty();
    }
    int gap = text.indexOf("::");
    if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
      return Optional.empty(); // a second "::" (this also rejects ":::")
    }
    int[] groups = gap < 0 ? groupsWithoutGap(text) : groupsAroundGap(text, gap);
    if (groups == null) {
      return Optional.empty();
    }
    byte[] bytes = new byte[IPV6_BYTES];
    for (int i = 0; i < IPV6_GROUPS; i++) {
      bytes[2 * i] = (byte) (groups[i] >>> 8);
      bytes[2 * i + 1] = (byte) groups[i];
    }
    return Optional.of(fromBytes(bytes));
  }

  /**
   * Builds an address from raw bytes without any lookup: 4 bytes give an {@link Inet4Address},
   * 16 bytes always give an {@link Inet6Address} (IPv4-mapped addresses are kept as IPv6).
   */
  public static InetAddress fromBytes(byte[] bytes) {
    try {
      if (bytes.length == IPV4_BYTES) {
        return InetAddress.getByAddress(bytes);
      }
      if (bytes.length == IPV6_BYTES) {
        return Inet6Address.getByAddress(null, bytes, -1);
      }
    } catch (UnknownHostException e) {
      throw new IllegalStateException("cannot happen for a correct address length", e);
    }
    throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
  }

  /** True for an IPv6 address in {@code ::ffff:0:0/96}, the IPv4-mapped block. */
  public static boolean isIpv4Mapped(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length != IPV6_BYTES) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
  }

  /**
   * Returns the embedded {@link Inet4Address} of an IPv4-mapped IPv6 address; any other address comes
   * back as a plain copy of its bytes (scope id and host name dropped).
   */
  public static InetAddress unmapIpv4(InetAddress address) {
    byte[] b = address.getAddress();
    if (isIpv4Mapped(address)) {
      return fromBytes(new byte[] {b[12], b[13], b[14], b[15]});
    }
    return fromBytes(b);
  }

  /**
   * Canonical text of an address, without DNS: dotted quad for IPv4, RFC 5952 for IPv6 (lower case,
   * no leading zeros, longest run of two or more zero groups as {@code ::}, IPv4-mapped as
   * {@code ::ffff:a.b.c.d}). Zone ids are not printed.
   */
  public static String format(InetAddress address) {
    byte[] b = address.getAddress();
    return b.length == IPV4_BYTES ? formatIpv4(b) : formatIpv6(b);
  }

  /** {@code 192.0.2.1:443} or {@code [2001:db8::1]:443}. */
  public static String formatWithPort(InetAddress address, int port) {
    String host = format(address);
    return (address.getAddress().length == IPV6_BYTES ? "[" + host + "]" : host) + ":" + port;
  }

  // ---- IPv4 helpers ----

  /** Value of a canonical decimal octet ("0", "7", "255"), or -1. */
  private static int canonicalOctet(String part) {
    int length = part.length();
    if (length == 0 || length > 3 || (length > 1 && part.charAt(0) == '0')) {
      return -1;
    }
    int value = 0;
    for (int i = 0; i < length; i++) {
      char c = part.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value <= 255 ? value : -1;
  }

  private static String formatIpv4(byte[] b) {
    return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
  }

  // ---- IPv6 helpers ----

  /** Eight groups of a text without "::", or null. */
  private static int[] groupsWithoutGap(String text) {
    int[] groups = parseGroups(text, true);
    return groups != null && groups.length == IPV6_GROUPS ? groups : null;
  }

  /** Eight groups of a text with one "::" at {@code gap} standing for at least one zero group. */
  private static int[] groupsAroundGap(String text, int gap) {
    String tail = text.substring(gap + 2);
    int[] head = parseGroups(text.substring(0, gap), false);
    int[] rest = parseGroups(tail, true);
    if (head == null || rest == null || head.length + rest.length > IPV6_GROUPS - 1) {
      return null;
    }
    int[] groups = new int[IPV6_GROUPS];
    System.arraycopy(head, 0, groups, 0, head.length);
    System.arraycopy(rest, 0, groups, IPV6_GROUPS - rest.length, rest.length);
    return groups;
  }

  /**
   * Colon-separated groups of 1..4 hex digits; the empty string gives no groups. If {@code ipv4Tail},
   * the last piece may be a canonical dotted quad, which counts as two groups. Null when invalid.
   */
  private static int[] parseGroups(String section, boolean ipv4Tail) {
    if (section.isEmpty()) {
      return new int[0];
    }
    String[] pieces = section.split(":", -1);
    int last = pieces.length - 1;
    boolean endsWithIpv4 = ipv4Tail && pieces[last].indexOf('.') >= 0;
    int[] groups = new int[pieces.length + (endsWithIpv4 ? 1 : 0)];
    for (int i = 0; i < pieces.length; i++) {
      if (i == last && endsWithIpv4) {
        byte[] v4 = parseIpv4Canonical(pieces[i]).map(InetAddress::getAddress).orElse(null);
        if (v4 == null) {
          return null;
        }
        groups[i] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
        groups[i + 1] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
      } else {
        groups[i] = hexGroup(pieces[i]);
        if (groups[i] < 0) {
          return null;
        }
      }
    }
    return groups.length <= IPV6_GROUPS ? groups : null;
  }

  /** Value of 1..4 ASCII hex digits, or -1. */
  private static int hexGroup(String piece) {
    int length = piece.length();
    if (length == 0 || length > 4) {
      return -1;
    }
    int value = 0;
    for (int i = 0; i < length; i++) {
      int digit = AsciiHex.digit(piece.charAt(i));
      if (digit < 0) {
        return -1;
      }
      value = (value << 4) | digit;
    }
    return value;
  }

  private static String formatIpv6(byte[] b) {
    int[] groups = new int[IPV6_GROUPS];
    for (int i = 0; i < IPV6_GROUPS; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0
        && groups[5] == 0xffff) {
      return "::ffff:" + formatIpv4(new byte[] {b[12], b[13], b[14], b[15]});
    }
    int[] run = longestZeroRun(groups);
    StringBuilder text = new StringBuilder(39);
    for (int i = 0; i < IPV6_GROUPS; i++) {
      if (i == run[0]) {
        text.append("::");
        i += run[1] - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    return text.toString();
  }

  /** {start, length} of the first longest run of at least two zero groups; start -1 if none. */
  private static int[] longestZeroRun(int[] groups) {
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < groups.length; i++) {
      int length = 0;
      while (i + length < groups.length && groups[i + length] == 0) {
        length++;
      }
      if (length > bestLength) {
        bestStart = i;
        bestLength = length;
      }
      i += length;
    }
    return new int[] {bestStart, bestLength};
  }
}
