package dev.clincher.egress.hostname;

import dev.clincher.common.net.IpLiterals;
import java.net.IDN;
import java.util.Locale;

/**
 * The egress's one host-name normaliser: brings host names and IP literals to the one spelling the ACL compares and
 * the resolver is given: lower-case ASCII (Punycode for international names), no trailing dot, IPv6 in RFC 5952 form
 * without brackets. This mirrors Smokescreen's {@code hostport.NormalizeHost}
 * ({@code pkg/smokescreen/hostport/hostport.go}), which prints IPs with Go's {@code net.IP.String} and converts names
 * with {@code idna.Lookup.ToASCII}. The ACL matches with {@link #normalize}; the address policy's strict parse and
 * the ACL's glob checks build on the same pieces and limits.
 *
 * <p>Pure text work: nothing here touches DNS.
 */
public final class HostNames {
  /** The longest DNS name, without its trailing dot. */
  public static final int MAX_NAME_LENGTH = 253;
  /** The longest DNS label. */
  public static final int MAX_LABEL_LENGTH = 63;

  private HostNames() {}

  /**
   * The canonical spelling of a requested host, or {@code null} when it is empty or not a host name at all (the
   * ACL then denies with {@code invalid_host}).
   */
  public static String normalize(String host) {
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
    String name = withoutTrailingDot(ascii);
    return isHostChars(name) ? name : null;
  }

  /** {@code host} without one trailing dot (the root label), which names the same host. */
  public static String withoutTrailingDot(String host) {
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }

  /** Lower-case ASCII for a name, converting non-ASCII names to Punycode; {@code null} when that fails. */
  public static String toAscii(String name) {
    if (isAscii(name)) {
      return name.toLowerCase(Locale.ROOT);
    }
    try {
      return IDN.toASCII(name, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * A character of a host-name label as it occurs in real DNS names: ASCII letters, digits, hyphen and underscore
   * ({@code _dmarc}, some CDN hosts; not allowed in ACL globs, which follow STD3).
   */
  public static boolean isLabelChar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  /**
   * The RFC 5952 spelling of an IPv6 literal (lower-case hex, longest run of two or more zero groups as {@code ::}),
   * or the dotted quad for an IPv4-mapped address, as Go's {@code net.IP.String} prints them; {@code null} when the
   * text is not an IPv6 literal. Zone ids ({@code %eth0}) are not accepted.
   */
  public static String canonicalIpv6(String text) {
    return IpLiterals.parseIpv6(text)
        .map(address -> IpLiterals.format(IpLiterals.unmapIpv4(address)))
        .orElse(null);
  }

  private static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) > 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** Label characters and dots, at least one. */
  private static boolean isHostChars(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c != '.' && !isLabelChar(c)) {
        return false;
      }
    }
    return true;
  }
}
