package dev.clincher.common.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * A CIDR block such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}.
 *
 * <p>Strict: {@link #parse} accepts only {@code address/prefix} with a canonical dotted-quad IPv4 or
 * RFC 4291 IPv6 address (see {@link IpLiterals}), a decimal prefix without leading zeros in range for
 * the family, no zone id, and no host bits set ({@code 10.0.0.1/8} is rejected with a suggestion).
 *
 * <p>Matching is same-family only: an IPv4 block never matches an IPv6 address and vice versa, and
 * an IPv4-mapped IPv6 block ({@code ::ffff:10.0.0.0/104}) is an IPv6 block. Normalising mapped
 * addresses is the caller's job.
 *
 * @param network the first address of the block (host bits zero, no scope id, no host name)
 * @param prefixLength number of leading network bits: 0..32 for IPv4, 0..128 for IPv6
 */
public record Cidr(InetAddress network, int prefixLength) {

  /** Validates the block and drops any host name or scope id from {@code network}. */
  public Cidr {
    Objects.requireNonNull(network, "network");
    if (network instanceof Inet6Address v6 && (v6.getScopeId() != 0 || v6.getScopedInterface() != null)) {
      throw new IllegalArgumentException("a CIDR block cannot carry a zone id");
    }
    byte[] bytes = network.getAddress();
    int maxPrefix = bytes.length * 8;
    if (prefixLength < 0 || prefixLength > maxPrefix) {
      throw new IllegalArgumentException(
          "prefix /" + prefixLength + " is out of range 0.." + maxPrefix + " for " + IpLiterals.format(network));
    }
    byte[] masked = mask(bytes, prefixLength);
    if (!Arrays.equals(bytes, masked)) {
      throw new IllegalArgumentException("host bits set in " + IpLiterals.format(network) + "/" + prefixLength
          + "; did you mean " + IpLiterals.format(IpLiterals.fromBytes(masked)) + "/" + prefixLength + "?");
    }
    network = IpLiterals.fromBytes(bytes);
  }

  /**
   * Parses {@code address/prefix} strictly.
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static Cidr parse(String text) {
    Objects.requireNonNull(text, "text");
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw invalid(text, "missing '/prefix' (write a single address as /32 or /128)");
    }
    if (text.indexOf('%') >= 0) {
      throw invalid(text, "zone ids (%...) are not allowed");
    }
    String addressText = text.substring(0, slash);
    InetAddress address = IpLiterals.parse(addressText).orElseThrow(() -> invalid(text,
        addressText.indexOf(':') >= 0
            ? "not a valid IPv6 address"
            : "IPv4 must be a canonical dotted quad (four decimal parts 0-255, no leading zeros)"));
    int prefix = parsePrefix(text, text.substring(slash + 1));
    try {
      return new Cidr(address, prefix);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage());
    }
  }

  /** The single-address block of {@code address}: /32 for IPv4, /128 for IPv6. */
  public static Cidr host(InetAddress address) {
    return new Cidr(IpLiterals.fromBytes(address.getAddress()), address.getAddress().length * 8);
  }

  /** True if {@code address} is of the same family and inside this block. */
  public boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    byte[] net = network.getAddress();
    return candidate.length == net.length && Arrays.equals(mask(candidate, prefixLength), net);
  }

  /** True for an IPv4 block (an IPv4-mapped IPv6 block is IPv6). */
  public boolean isIpv4() {
    return network.getAddress().length == 4;
  }

  /** Canonical text, e.g. {@code 10.0.0.0/8} or {@code 2001:db8::/32}. */
  @Override
  public String toString() {
    return IpLiterals.format(network) + "/" + prefixLength;
  }

  private static int parsePrefix(String text, String prefixText) {
    boolean digitsOnly = !prefixText.isEmpty() && prefixText.length() <= 3
        && prefixText.chars().allMatch(c -> c >= '0' && c <= '9');
    if (!digitsOnly || (prefixText.length() > 1 && prefixText.charAt(0) == '0')) {
      throw invalid(text, "prefix must be a decimal number without sign or leading zeros");
    }
    return Integer.parseInt(prefixText);
  }

  /** A copy of {@code bytes} with every bit after the first {@code prefix} bits cleared. */
  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] out = bytes.clone();
    for (int i = 0; i < out.length; i++) {
      int bitsKept = Math.clamp(prefix - 8L * i, 0, 8);
      out[i] = (byte) (out[i] & (0xff00 >>> bitsKept));
    }
    return out;
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("invalid CIDR \"" + text + "\": " + why);
  }
}
