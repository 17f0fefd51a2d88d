package dev.clincher.egress.address;

import dev.clincher.common.net.IpLiterals;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fixed name-to-addresses table, for tests and for pinning names without DNS. Immutable; names are
 * normalised like {@link RequestedHost.DomainName} (lower case, no trailing dot).
 *
 * <pre>{@code
 * HostResolver dns = StaticHostResolver.of("api.example.com", "93.184.216.34", "10.0.0.7")
 *     .with("v6.example.com", "2001:db8::1");
 * }</pre>
 */
public final class StaticHostResolver implements HostResolver {
  private final Map<String, List<InetAddress>> table;

  /**
   * @param table names to their addresses; every name must be a valid domain name and every list non-empty
   * @throws IllegalArgumentException for an invalid name or an empty address list
   */
  public StaticHostResolver(Map<String, ? extends List<InetAddress>> table) {
    Map<String, List<InetAddress>> copy = new HashMap<>();
    table.forEach((name, addresses) -> {
      if (addresses.isEmpty()) {
        throw new IllegalArgumentException("no addresses for " + name);
      }
      copy.put(new RequestedHost.DomainName(name).name(), List.copyOf(addresses));
    });
    this.table = Map.copyOf(copy);
  }

  /** A resolver knowing one name, with addresses given as IP literals (parsed strictly, no DNS). */
  public static StaticHostResolver of(String name, String... ipLiterals) {
    return new StaticHostResolver(Map.of()).with(name, ipLiterals);
  }

  /** A copy of this resolver that also (or instead) maps {@code name} to {@code ipLiterals}. */
  public StaticHostResolver with(String name, String... ipLiterals) {
    Map<String, List<InetAddress>> copy = new HashMap<>(table);
    copy.put(name, List.of(ipLiterals).stream().map(StaticHostResolver::literal).toList());
    return new StaticHostResolver(copy);
  }

  @Override
  public List<InetAddress> resolve(String domainName) throws UnknownHostException {
    String key;
    try {
      key = new RequestedHost.DomainName(domainName).name();
    } catch (IllegalArgumentException e) {
      throw new UnknownHostException(e.getMessage());
    }
    List<InetAddress> addresses = table.get(key);
    if (addresses == null) {
      throw new UnknownHostException(key);
    }
    return addresses;
  }

  private static InetAddress literal(String text) {
    return IpLiterals.parse(text).orElseThrow(() -> new IllegalArgumentException("not an IP literal: " + text));
  }
}
