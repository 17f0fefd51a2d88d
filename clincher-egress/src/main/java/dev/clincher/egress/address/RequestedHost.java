package dev.clincher.egress.address;

import static dev.clincher.egress.address.InvalidHostException.AMBIGUOUS_NUMERIC_HOST;
import static dev.clincher.egress.address.InvalidHostException.INVALID_HOST;
import static dev.clincher.egress.address.InvalidHostException.INVALID_IP_LITERAL;
import static dev.clincher.egress.address.InvalidHostException.IPV6_ZONE_ID;

import dev.clincher.common.net.IpLiterals;
import java.net.InetAddress;
import java.util.Optional;

/**
 * The host part of a request target ({@code CONNECT host:port}), parsed strictly and without DNS.
 *
 * <p>Rules of {@link #parse}:
 * <ul>
 *   <li>{@code [v6]} or bare IPv6 text (anything with a colon) must be a valid IPv6 literal without a
 *       zone id; the result is an {@link IpLiteral} (IPv4-mapped forms stay IPv6 here; the address
 *       policy normalises them).
 *   <li>If the last label (after dropping one trailing dot) is all decimal digits or {@code 0x} followed
 *       by hex digits — the WHATWG "ends in a number" rule — the host is numeric. Only a canonical dotted
 *       quad is accepted ({@link IpLiteral}); every other numeric spelling ({@code 127.1},
 *       {@code 2130706433}, {@code 0x7f.1}, {@code 017.0.0.1}, {@code 127.0.0.1.}) is refused as
 *       {@code ambiguous_numeric_host}, because resolvers disagree on it and it must never be handed to DNS.
 *       Labels such as {@code 1e100} or {@code deadbeef} do not end in a number and are names.
 *   <li>Everything else must be a {@link DomainName}: printable ASCII only (IDNs must already be
 *       punycode), labels of 1..63 characters from {@code a-z 0-9 - _} not starting or ending with a
 *       hyphen, at most 253 characters without the optional trailing dot. Underscores are allowed because
 *       real DNS names use them ({@code _dmarc}, some CDN hosts); they are harmless to resolvers.
 * </ul>
 */
public sealed interface RequestedHost permits RequestedHost.DomainName, RequestedHost.IpLiteral {

  /** Longest input even looked at: a 253-character name plus trailing dot, with slack for brackets. */
  int MAX_INPUT_LENGTH = 256;

  /** The host as text for logs and ACL matching: the domain name, or the canonical IP literal. */
  String text();

  /**
   * A DNS name, lower case, no trailing dot, syntactically valid and never numeric.
   *
   * @param name the name; normalised (lower-cased, trailing dot dropped) and validated on construction
   */
  record DomainName(String name) implements RequestedHost {
    /** @throws IllegalArgumentException if {@code name} is not a valid, non-numeric DNS name */
    public DomainName {
      try {
        name = DomainNameSyntax.normalize(name);
      } catch (InvalidHostException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    }

    @Override
    public String text() {
      return name;
    }
  }

  /**
   * An IP address given literally; no DNS involved.
   *
   * @param address the address (host name and scope id dropped on construction)
   */
  record IpLiteral(InetAddress address) implements RequestedHost {
    /** Keeps only the address bytes, so nothing can trigger a reverse lookup later. */
    public IpLiteral {
      address = IpLiterals.fromBytes(address.getAddress());
    }

    @Override
    public String text() {
      return IpLiterals.format(address);
    }
  }

  /**
   * Parses the host part of {@code host:port}, with or without IPv6 brackets.
   *
   * @throws InvalidHostException with a machine reason: {@code invalid_host},
   *     {@code ambiguous_numeric_host}, {@code invalid_ip_literal} or {@code ipv6_zone_id}
   */
  static RequestedHost parse(String host) throws InvalidHostException {
    if (host == null || host.isEmpty()) {
      throw new InvalidHostException(INVALID_HOST, host, "empty host");
    }
    if (host.length() > MAX_INPUT_LENGTH) {
      throw new InvalidHostException(INVALID_HOST, host, "longer than " + MAX_INPUT_LENGTH + " characters");
    }
    if (host.startsWith("[")) {
      if (!host.endsWith("]") || host.length() < 3) {
        throw new InvalidHostException(INVALID_IP_LITERAL, host, "unbalanced brackets");
      }
      return ipv6(host, host.substring(1, host.length() - 1));
    }
    if (host.indexOf(':') >= 0) {
      return ipv6(host, host);
    }
    if (DomainNameSyntax.endsInNumber(host)) {
      return ipv4(host);
    }
    return new DomainName(DomainNameSyntax.normalize(host));
  }

  private static IpLiteral ipv6(String host, String literal) throws InvalidHostException {
    if (literal.indexOf('%') >= 0) {
      throw new InvalidHostException(IPV6_ZONE_ID, host, "zone ids are not allowed");
    }
    if (literal.indexOf(':') < 0) {
      throw new InvalidHostException(INVALID_IP_LITERAL, host, "brackets may only enclose an IPv6 address");
    }
    InetAddress address = IpLiterals.parseIpv6(literal)
        .orElseThrow(() -> new InvalidHostException(INVALID_IP_LITERAL, host, "not a valid IPv6 address"));
    return new IpLiteral(address);
  }

  private static IpLiteral ipv4(String host) throws InvalidHostException {
    Optional<InetAddress> canonical = IpLiterals.parseIpv4Canonical(host);
    if (canonical.isPresent()) {
      return new IpLiteral(canonical.get());
    }
    String meaning = LegacyIpv4.interpret(host)
        .map(a -> "lenient resolvers (inet_aton) read it as " + IpLiterals.format(a))
        .orElse("it is not a valid IPv4 address in any notation");
    throw new InvalidHostException(AMBIGUOUS_NUMERIC_HOST, host,
        "numeric host that is not a canonical dotted quad; " + meaning);
  }
}
