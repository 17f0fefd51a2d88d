package dev.clincher.egress.acl;

import dev.clincher.common.net.IpLiterals;
import java.net.IDN;
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
    return IpLiterals.parseIpv6(text)
        .map(address -> IpLiterals.format(IpLiterals.unmapIpv4(address)))
        .orElse(null);
  }
}
