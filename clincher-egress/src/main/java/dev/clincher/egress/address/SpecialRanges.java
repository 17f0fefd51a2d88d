package dev.clincher.egress.address;

import dev.clincher.common.net.Cidr;
import dev.clincher.common.net.IpLiterals;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in deny table: every address block an egress proxy must not reach by default, each with a
 * short reason name for logs and metrics.
 *
 * <p>Written out as explicit CIDR blocks (from the IANA IPv4 and IPv6 special-purpose registries and the
 * cloud providers' metadata endpoints) rather than {@code InetAddress.isSiteLocalAddress()} and friends,
 * which are incomplete (no CGNAT, no ULA, no NAT64, ...). Blocks nest: a more specific entry such as
 * {@code 169.254.169.254/32 cloud_metadata} gives a more specific reason than its parent
 * {@code 169.254.0.0/16 link_local}, and in {@link AddressPolicy} it also survives an operator's wider
 * allow range.
 *
 * <p>IPv6 outside {@code 2000::/3} (global unicast) is covered by three {@code reserved} blocks, so
 * anything that matches no entry is a public address.
 *
 * <p>Transition mechanisms that embed an IPv4 address (IPv4-compatible, SIIT, NAT64, 6to4, Teredo) are
 * denied as whole blocks, and {@link #embeddedIpv4} extracts the IPv4 addresses they could lead to, so
 * the policy can classify those too.
 */
public final class SpecialRanges {

  public static final String THIS_NETWORK = "this_network";
  public static final String UNSPECIFIED = "unspecified";
  public static final String LOOPBACK = "loopback";
  public static final String PRIVATE = "private";
  public static final String CGNAT = "cgnat";
  public static final String LINK_LOCAL = "link_local";
  public static final String CLOUD_METADATA = "cloud_metadata";
  public static final String SPECIAL_PURPOSE = "special_purpose";
  public static final String DOCUMENTATION = "documentation";
  public static final String BENCHMARKING = "benchmarking";
  public static final String SIX_TO_FOUR_RELAY = "6to4_relay";
  public static final String MULTICAST = "multicast";
  public static final String RESERVED = "reserved";
  public static final String BROADCAST = "broadcast";
  public static final String IPV4_COMPATIBLE = "ipv4_compatible";
  public static final String IPV4_MAPPED = "ipv4_mapped";
  public static final String IPV4_TRANSLATED = "ipv4_translated";
  public static final String NAT64 = "nat64";
  public static final String DISCARD = "discard";
  public static final String TEREDO = "teredo";
  public static final String ORCHID = "orchid";
  public static final String SIX_TO_FOUR = "6to4";
  public static final String SITE_LOCAL = "site_local";

  /**
   * One row of the table.
   *
   * @param cidr the block
   * @param reason the reason name reported when this row decides a verdict
   */
  public record Entry(Cidr cidr, String reason) {}

  private static final List<Entry> TABLE = List.of(
      // IPv4 (RFC 6890 and the IANA IPv4 special-purpose registry)
      entry("0.0.0.0/8", THIS_NETWORK),
      entry("0.0.0.0/32", UNSPECIFIED),
      entry("10.0.0.0/8", PRIVATE),
      entry("100.64.0.0/10", CGNAT),
      entry("100.100.100.200/32", CLOUD_METADATA), // Alibaba Cloud
      entry("127.0.0.0/8", LOOPBACK),
      entry("169.254.0.0/16", LINK_LOCAL),
      entry("169.254.169.254/32", CLOUD_METADATA), // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack, ...
      entry("169.254.170.2/32", CLOUD_METADATA), // AWS ECS task credentials
      entry("169.254.170.23/32", CLOUD_METADATA), // AWS EKS pod identity
      entry("168.63.129.16/32", CLOUD_METADATA), // Azure WireServer (public address, host-local meaning)
      entry("172.16.0.0/12", PRIVATE),
      entry("192.0.0.0/24", SPECIAL_PURPOSE), // IETF protocol assignments: DS-Lite, NAT64 discovery, ...
      entry("192.0.2.0/24", DOCUMENTATION),
      entry("192.88.99.0/24", SIX_TO_FOUR_RELAY),
      entry("192.168.0.0/16", PRIVATE),
      entry("198.18.0.0/15", BENCHMARKING),
      entry("198.51.100.0/24", DOCUMENTATION),
      entry("203.0.113.0/24", DOCUMENTATION),
      entry("224.0.0.0/4", MULTICAST),
      entry("240.0.0.0/4", RESERVED),
      entry("255.255.255.255/32", BROADCAST),
      // IPv6 (RFC 6890 and the IANA IPv6 special-purpose registry)
      entry("::/128", UNSPECIFIED),
      entry("::1/128", LOOPBACK),
      entry("::/96", IPV4_COMPATIBLE),
      entry("::ffff:0:0/96", IPV4_MAPPED), // normally normalised to IPv4 before classification
      entry("::ffff:0:0:0/96", IPV4_TRANSLATED), // SIIT, RFC 2765
      entry("64:ff9b::/96", NAT64),
      entry("64:ff9b:1::/48", NAT64),
      entry("100::/64", DISCARD),
      entry("2001::/23", SPECIAL_PURPOSE), // IETF protocol assignments
      entry("2001::/32", TEREDO),
      entry("2001:2::/48", BENCHMARKING),
      entry("2001:10::/28", ORCHID),
      entry("2001:20::/28", ORCHID),
      entry("2001:db8::/32", DOCUMENTATION),
      entry("2002::/16", SIX_TO_FOUR),
      entry("3fff::/20", DOCUMENTATION),
      entry("5f00::/16", SPECIAL_PURPOSE), // SRv6 SIDs
      entry("fc00::/7", PRIVATE), // unique local
      entry("fd00:ec2::254/128", CLOUD_METADATA), // AWS IMDS over IPv6
      entry("fd00:ec2::23/128", CLOUD_METADATA), // AWS EKS pod identity over IPv6
      entry("fe80::/10", LINK_LOCAL),
      entry("fec0::/10", SITE_LOCAL),
      entry("ff00::/8", MULTICAST),
      // everything outside 2000::/3 (global unicast) is unassigned or special
      entry("::/3", RESERVED),
      entry("4000::/2", RESERVED),
      entry("8000::/1", RESERVED));

  private static final Cidr IPV4_COMPATIBLE_BLOCK = Cidr.parse("::/96");
  /** {@code ::} and {@code ::1} lie in ::/96 but are not IPv4-compatible addresses (RFC 4291 2.5.5.1). */
  private static final Cidr UNSPECIFIED_AND_LOOPBACK = Cidr.parse("::/127");
  private static final Cidr IPV4_TRANSLATED_BLOCK = Cidr.parse("::ffff:0:0:0/96");
  private static final Cidr NAT64_WELL_KNOWN = Cidr.parse("64:ff9b::/96");
  private static final Cidr NAT64_LOCAL_USE = Cidr.parse("64:ff9b:1::/48");
  private static final Cidr SIX_TO_FOUR_BLOCK = Cidr.parse("2002::/16");
  private static final Cidr TEREDO_BLOCK = Cidr.parse("2001::/32");

  /** RFC 6052 prefix lengths an operator may carve out of the local-use NAT64 block 64:ff9b:1::/48. */
  private static final int[] LOCAL_NAT64_PREFIXES = {48, 56, 64, 96};

  private SpecialRanges() {}

  /** The whole table, in no particular order (the most specific match decides). */
  public static List<Entry> table() {
    return TABLE;
  }

  /**
   * IPv4 addresses embedded in an IPv6 address by a transition mechanism, i.e. where a packet to it may
   * end up: the low 32 bits for IPv4-compatible, SIIT and well-known NAT64; every RFC 6052 position for
   * local-use NAT64; bits 16..47 for 6to4; the server and the (inverted) client address for Teredo.
   * Empty for IPv4 addresses, {@code ::}, {@code ::1} and other IPv6 addresses. IPv4-mapped addresses are not covered here:
   * the policy turns them into IPv4 first.
   */
  public static List<InetAddress> embeddedIpv4(InetAddress address) {
    byte[] b = address.getAddress();
    List<InetAddress> out = new ArrayList<>(4);
    if (b.length != 16) {
      return out;
    }
    if (UNSPECIFIED_AND_LOOPBACK.contains(address)) {
      return out;
    }
    if (IPV4_COMPATIBLE_BLOCK.contains(address) || IPV4_TRANSLATED_BLOCK.contains(address)
        || NAT64_WELL_KNOWN.contains(address)) {
      out.add(ipv4(b[12], b[13], b[14], b[15]));
    } else if (NAT64_LOCAL_USE.contains(address)) {
      for (int prefix : LOCAL_NAT64_PREFIXES) {
        out.add(rfc6052(b, prefix));
      }
    } else if (SIX_TO_FOUR_BLOCK.contains(address)) {
      out.add(ipv4(b[2], b[3], b[4], b[5]));
    } else if (TEREDO_BLOCK.contains(address)) {
      out.add(ipv4(b[4], b[5], b[6], b[7]));
      out.add(ipv4((byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]));
    }
    return out;
  }

  /** The IPv4 address at RFC 6052's position for {@code prefixLength}, skipping the reserved byte 8. */
  private static InetAddress rfc6052(byte[] b, int prefixLength) {
    byte[] v4 = new byte[4];
    int from = prefixLength / 8;
    for (int i = 0; i < 4; i++, from++) {
      if (from == 8) {
        from++;
      }
      v4[i] = b[from];
    }
    return IpLiterals.fromBytes(v4);
  }

  private static InetAddress ipv4(byte a, byte b, byte c, byte d) {
    return IpLiterals.fromBytes(new byte[] {a, b, c, d});
  }

  private static Entry entry(String cidr, String reason) {
    return new Entry(Cidr.parse(cidr), reason);
  }
}
