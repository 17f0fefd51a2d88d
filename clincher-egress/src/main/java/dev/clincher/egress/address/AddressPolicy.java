package dev.clincher.egress.address;

import dev.clincher.common.net.Cidr;
import dev.clincher.common.net.IpLiterals;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether the proxy may connect to a destination address (SSRF protection). Immutable and
 * thread-safe; build one with {@link #builder()}, rebuild to change it.
 *
 * <h2>How an address is classified</h2>
 * <ol>
 *   <li><b>Normalise</b>: an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) becomes the IPv4 address.
 *   <li><b>Own address</b> (absolute): the proxy's own listening address and port is always denied,
 *       whatever else matches ({@code own_address}).
 *   <li><b>Most specific match wins</b>. Candidates are every matching row of the built-in deny table
 *       ({@link SpecialRanges}, priority 0), the operator's allow ranges and addresses (priority 1) and
 *       the operator's deny ranges and addresses (priority 2). Specificity is the prefix length; an
 *       exact address counts as /32 or /128, and an address entry with a port is more specific than one
 *       without. On equal specificity the higher priority wins. So {@code allowRange(127.0.0.0/8)}
 *       opens loopback (equal prefix, allow beats built-in), {@code 169.254.169.254/32 cloud_metadata}
 *       stays denied under {@code allowRange(169.254.0.0/16)} (more specific), and
 *       {@code denyAddress("127.0.0.5")} beats {@code allowRange(127.0.0.0/8)}.
 *   <li><b>No match</b>: the address is public global unicast and allowed ({@code public}).
 *   <li><b>Embedded IPv4</b>: if the address is allowed but is an IPv4-compatible, SIIT, NAT64, 6to4 or
 *       Teredo address, each IPv4 address it embeds ({@link SpecialRanges#embeddedIpv4}) is classified
 *       the same way; if any is denied, the address is denied ({@code embedded <reason>}). So opening
 *       {@code 64:ff9b::/96} for a DNS64 network does not open {@code 64:ff9b::10.0.0.1}.
 * </ol>
 *
 * <p>Operator entries follow Smokescreen's flags: {@code --deny-range}, {@code --allow-range} take a
 * CIDR; {@code --deny-address}, {@code --allow-address} take {@code IP} or {@code IP:port}, IPv6 as
 * {@code [::1]:443}. An IPv4-mapped IPv6 entry ({@code ::ffff:10.0.0.0/104}) is stored as its IPv4
 * equivalent, since addresses are normalised before matching.
 */
public final class AddressPolicy {

  private static final int ANY_PORT = -1;
  private static final int BUILT_IN = 0;
  private static final int OPERATOR_ALLOW = 1;
  private static final int OPERATOR_DENY = 2;

  /** Best rule first: higher specificity, then higher priority. */
  private static final Comparator<Rule> PRECEDENCE =
      Comparator.comparingInt(Rule::specificity).thenComparingInt(Rule::priority).reversed();

  private final List<Rule> rules;
  private final List<Rule> ownAddresses;

  private AddressPolicy(List<Rule> rules, List<Rule> ownAddresses) {
    this.rules = List.copyOf(rules);
    this.ownAddresses = List.copyOf(ownAddresses);
  }

  /** A builder starting from the built-in table only. */
  public static Builder builder() {
    return new Builder();
  }

  /** The built-in table alone, no operator entries and no own address. */
  public static AddressPolicy defaults() {
    return builder().build();
  }

  /**
   * Classifies a destination.
   *
   * @param address the resolved or literal address the proxy would connect to
   * @param port the destination port, 0..65535
   */
  public AddressVerdict classify(InetAddress address, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    InetAddress normalised = IpLiterals.unmapIpv4(address);
    AddressVerdict verdict = classifyOne(normalised, port);
    if (!verdict.allowed()) {
      return verdict;
    }
    for (InetAddress embedded : SpecialRanges.embeddedIpv4(normalised)) {
      AddressVerdict inner = classifyOne(embedded, port);
      if (!inner.allowed()) {
        return AddressVerdict.deny("embedded " + inner.reason());
      }
    }
    return verdict;
  }

  /** Own address first, then the most specific rule, then {@code public}. */
  private AddressVerdict classifyOne(InetAddress address, int port) {
    if (ownAddresses.stream().anyMatch(own -> own.matches(address, port))) {
      return AddressVerdict.deny(AddressVerdict.OWN_ADDRESS);
    }
    Optional<Rule> best = rules.stream().filter(rule -> rule.matches(address, port)).min(PRECEDENCE);
    return best.map(Rule::verdict).orElse(AddressVerdict.allow(AddressVerdict.PUBLIC));
  }

  /**
   * One row: a block, optionally one port, and the verdict it gives.
   *
   * @param port a port, or {@link #ANY_PORT}
   */
  private record Rule(Cidr cidr, int port, int priority, AddressVerdict verdict) {
    int specificity() {
      return cidr.prefixLength() * 2 + (port == ANY_PORT ? 0 : 1);
    }

    boolean matches(InetAddress address, int destinationPort) {
      return (port == ANY_PORT || port == destinationPort) && cidr.contains(address);
    }
  }

  /** An address entry as given on the command line: an address and maybe a port. */
  private record Endpoint(InetAddress address, int port) {
    @Override
    public String toString() {
      return port == ANY_PORT ? IpLiterals.format(address) : IpLiterals.formatWithPort(address, port);
    }
  }

  /** Collects operator entries; {@link #build()} adds them to the built-in table. */
  public static final class Builder {
    private final List<Rule> rules = new ArrayList<>();
    private final List<Rule> ownAddresses = new ArrayList<>();

    private Builder() {
      for (SpecialRanges.Entry entry : SpecialRanges.table()) {
        rules.add(new Rule(entry.cidr(), ANY_PORT, BUILT_IN, AddressVerdict.deny(entry.reason())));
      }
    }

    /** {@code --deny-range}: deny a block ({@code deny_range <cidr>}). */
    public Builder denyRange(Cidr range) {
      Cidr cidr = unmapped(range);
      rules.add(new Rule(cidr, ANY_PORT, OPERATOR_DENY, AddressVerdict.deny("deny_range " + cidr)));
      return this;
    }

    /** {@code --allow-range}: allow a block ({@code allow_range <cidr>}); more specific denies still win. */
    public Builder allowRange(Cidr range) {
      Cidr cidr = unmapped(range);
      rules.add(new Rule(cidr, ANY_PORT, OPERATOR_ALLOW, AddressVerdict.allow("allow_range " + cidr)));
      return this;
    }

    /**
     * {@code --deny-address}: deny {@code IP} or {@code IP:port} ({@code [v6]:port} for IPv6).
     *
     * @throws IllegalArgumentException naming the value and what is wrong with it
     */
    public Builder denyAddress(String ipOrIpPort) {
      Endpoint endpoint = parseEndpoint(ipOrIpPort);
      rules.add(new Rule(Cidr.host(endpoint.address()), endpoint.port(), OPERATOR_DENY,
          AddressVerdict.deny("deny_address " + endpoint)));
      return this;
    }

    /**
     * {@code --allow-address}: allow {@code IP} or {@code IP:port} ({@code [v6]:port} for IPv6).
     *
     * @throws IllegalArgumentException naming the value and what is wrong with it
     */
    public Builder allowAddress(String ipOrIpPort) {
      Endpoint endpoint = parseEndpoint(ipOrIpPort);
      rules.add(new Rule(Cidr.host(endpoint.address()), endpoint.port(), OPERATOR_ALLOW,
          AddressVerdict.allow("allow_address " + endpoint)));
      return this;
    }

    /**
     * Denies the proxy's own listening address, absolutely. For a wildcard listen address
     * ({@code 0.0.0.0} or {@code ::}) that is every address of every local interface (enumerated now,
     * so rebuild the policy if interfaces change) plus all of {@code 127.0.0.0/8} and {@code ::1}, at
     * the listening port. The unspecified addresses are always included: connecting to them reaches
     * local listeners.
     */
    public Builder ownAddress(InetSocketAddress listen) {
      return ownAddress(listen, isUnspecified(listen.getAddress()) ? interfaceAddresses() : List.of());
    }

    /**
     * Like {@link #ownAddress(InetSocketAddress)} with the local interface addresses given instead of
     * enumerated (for tests and for callers that already know them).
     */
    public Builder ownAddress(InetSocketAddress listen, Collection<InetAddress> localAddresses) {
      if (listen.isUnresolved()) {
        throw new IllegalArgumentException("own address must be an IP address, not " + listen.getHostString());
      }
      int port = listen.getPort();
      InetAddress ip = IpLiterals.unmapIpv4(listen.getAddress());
      List<Cidr> blocks = new ArrayList<>();
      blocks.add(Cidr.parse("0.0.0.0/32"));
      blocks.add(Cidr.parse("::/128"));
      blocks.add(Cidr.host(ip));
      if (isUnspecified(ip)) {
        blocks.add(Cidr.parse("127.0.0.0/8"));
        blocks.add(Cidr.parse("::1/128"));
        localAddresses.forEach(local -> blocks.add(Cidr.host(IpLiterals.unmapIpv4(local))));
      }
      for (Cidr block : blocks) {
        ownAddresses.add(new Rule(block, port, OPERATOR_DENY, AddressVerdict.deny(AddressVerdict.OWN_ADDRESS)));
      }
      return this;
    }

    public AddressPolicy build() {
      return new AddressPolicy(rules, ownAddresses);
    }

    private static boolean isUnspecified(InetAddress address) {
      for (byte b : IpLiterals.unmapIpv4(address).getAddress()) {
        if (b != 0) {
          return false;
        }
      }
      return true;
    }

    private static List<InetAddress> interfaceAddresses() {
      try {
        return NetworkInterface.networkInterfaces()
            .flatMap(NetworkInterface::inetAddresses)
            .toList();
      } catch (SocketException e) {
        throw new UncheckedIOException("cannot list local interface addresses", e);
      }
    }
  }

  /** An IPv4-mapped IPv6 block of prefix ≥ 96 as its IPv4 block; any other block unchanged. */
  private static Cidr unmapped(Cidr range) {
    if (!IpLiterals.isIpv4Mapped(range.network()) || range.prefixLength() < 96) {
      return range;
    }
    return new Cidr(IpLiterals.unmapIpv4(range.network()), range.prefixLength() - 96);
  }

  /** Parses {@code IP}, {@code IP:port}, {@code v6}, {@code [v6]} or {@code [v6]:port}. */
  private static Endpoint parseEndpoint(String value) {
    if (value == null || value.isEmpty()) {
      throw badAddress(value, "empty");
    }
    if (value.indexOf('%') >= 0) {
      throw badAddress(value, "zone ids (%...) are not allowed");
    }
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0) {
        throw badAddress(value, "missing ']'");
      }
      String rest = value.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        throw badAddress(value, "expected ':port' after ']'");
      }
      int port = rest.isEmpty() ? ANY_PORT : parsePort(value, rest.substring(1));
      return new Endpoint(parseIp(value, value.substring(1, close), true), port);
    }
    long colons = value.chars().filter(c -> c == ':').count();
    if (colons == 1) {
      int colon = value.indexOf(':');
      return new Endpoint(parseIp(value, value.substring(0, colon), false), parsePort(value, value.substring(colon + 1)));
    }
    return new Endpoint(parseIp(value, value, colons > 1), ANY_PORT);
  }

  private static InetAddress parseIp(String value, String text, boolean ipv6) {
    Optional<InetAddress> parsed = ipv6 ? IpLiterals.parseIpv6(text) : IpLiterals.parseIpv4Canonical(text);
    return IpLiterals.unmapIpv4(parsed.orElseThrow(() -> badAddress(value, ipv6
        ? "not a valid IPv6 address (write IPv6 with a port as [::1]:443)"
        : "IPv4 must be a canonical dotted quad (four decimal parts 0-255, no leading zeros)")));
  }

  private static int parsePort(String value, String text) {
    boolean digits = !text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9');
    int port = digits && (text.length() == 1 || text.charAt(0) != '0') ? Integer.parseInt(text) : -1;
    if (port < 1 || port > 65535) {
      throw badAddress(value, "port must be a decimal number 1-65535 without leading zeros");
    }
    return port;
  }

  private static IllegalArgumentException badAddress(String value, String why) {
    return new IllegalArgumentException("invalid address \"" + value + "\": " + why
        + " (expected IP or IP:port, IPv6 as [::1]:443)");
  }
}
