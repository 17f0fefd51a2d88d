package dev.clincher.gateway.auth;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.net.Cidr;
import dev.clincher.common.net.IpLiterals;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the client's address behind trusted reverse proxies.
 *
 * <p>The rule: when the TCP peer is not in a trusted-proxy block, the peer is the client and every
 * {@code X-Forwarded-For} header is ignored (a client can write anything there). When the peer is trusted, the
 * {@code X-Forwarded-For} entries (all headers, joined in order) are walked from the right; trusted-proxy entries
 * are skipped and the first untrusted entry is the client. If an entry is malformed (not an IP literal; an optional
 * port, {@code [v6]} brackets and spaces are tolerated), the walk stops there and the last address that was vouched
 * for (the nearest trusted hop) is the client, because everything left of a garbled entry may be forged. Only the
 * right-most {@value #MAX_ENTRIES} entries and {@value #MAX_HEADER_CHARS} characters are read. The
 * {@code Forwarded} header (RFC 7239) is not read.
 */
public final class ClientAddresses {
  public static final int MAX_ENTRIES = 32;
  public static final int MAX_HEADER_CHARS = 8192;

  private final List<Cidr> trustedProxies;

  public ClientAddresses(List<Cidr> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
  }

  /**
   * Parses trusted-proxy blocks from config.
   *
   * @throws ConfigException naming {@code key[i]} and why the block is invalid
   */
  public static ClientAddresses parse(String source, String key, List<String> blocks) throws ConfigException {
    List<Cidr> parsed = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      try {
        parsed.add(Cidr.parse(blocks.get(i)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(source, key + "[" + i + "]", e.getMessage());
      }
    }
    return new ClientAddresses(parsed);
  }

  /** The client's address given the TCP peer and the {@code X-Forwarded-For} header values (may be empty). */
  public InetAddress resolve(InetAddress peer, List<String> forwardedFor) {
    InetAddress current = IpLiterals.unmapIpv4(peer);
    if (!isTrusted(current)) {
      return current;
    }
    List<String> entries = rightMostEntries(forwardedFor);
    for (int i = entries.size() - 1; i >= 0; i--) {
      Optional<InetAddress> entry = parseEntry(entries.get(i));
      if (entry.isEmpty()) {
        return current;
      }
      current = entry.get();
      if (!isTrusted(current)) {
        return current;
      }
    }
    return current;
  }

  /**
   * The key the failure limiter counts under: the IPv4 address, or the /64 of an IPv6 address (one host usually
   * owns a whole /64, so counting single IPv6 addresses would let it spray).
   */
  public static String limiterKey(InetAddress client) {
    InetAddress address = IpLiterals.unmapIpv4(client);
    byte[] bytes = address.getAddress();
    if (bytes.length == 4) {
      return IpLiterals.format(address);
    }
    byte[] prefix = java.util.Arrays.copyOf(java.util.Arrays.copyOf(bytes, 8), 16);
    return IpLiterals.format(IpLiterals.fromBytes(prefix)) + "/64";
  }

  /** Whether {@code peer} is one of the trusted reverse proxies (whose forwarded headers are believed). */
  public boolean trusts(InetAddress peer) {
    return isTrusted(IpLiterals.unmapIpv4(peer));
  }

  private boolean isTrusted(InetAddress address) {
    return trustedProxies.stream().anyMatch(block -> block.contains(address));
  }

  private static List<String> rightMostEntries(List<String> headers) {
    String joined = String.join(",", headers);
    if (joined.length() > MAX_HEADER_CHARS) {
      joined = joined.substring(joined.length() - MAX_HEADER_CHARS);
      int comma = joined.indexOf(',');
      joined = comma < 0 ? "" : joined.substring(comma + 1); // drop the cut entry (or all: one giant entry)
    }
    List<String> entries = List.of(joined.split(",", -1));
    return entries.subList(Math.max(0, entries.size() - MAX_ENTRIES), entries.size());
  }

  /** An entry as a proxy writes it: {@code 1.2.3.4}, {@code 1.2.3.4:5678}, {@code 2001:db8::1}, {@code [2001:db8::1]:443}. */
  static Optional<InetAddress> parseEntry(String raw) {
    String text = raw.strip();
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || !isPortSuffix(text.substring(close + 1))) {
        return Optional.empty();
      }
      return IpLiterals.parseIpv6(text.substring(1, close)).map(IpLiterals::unmapIpv4);
    }
    int colon = text.indexOf(':');
    if (colon >= 0 && colon == text.lastIndexOf(':')) {
      if (!isPortSuffix(text.substring(colon))) {
        return Optional.empty();
      }
      text = text.substring(0, colon);
    }
    return IpLiterals.parse(text).map(IpLiterals::unmapIpv4);
  }

  private static boolean isPortSuffix(String suffix) {
    return suffix.isEmpty() || (suffix.matches(":[0-9]{1,5}") && Integer.parseInt(suffix.substring(1)) <= 65535);
  }
}
