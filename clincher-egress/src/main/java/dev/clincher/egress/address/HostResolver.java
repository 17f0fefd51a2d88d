package dev.clincher.egress.address;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a domain name into addresses. The proxy resolves once, classifies every address with
 * {@link AddressPolicy}, and connects only to an address it checked, so DNS rebinding cannot switch
 * the target between check and connect.
 *
 * <p>Callers pass only {@link RequestedHost.DomainName#name()} values; IP literals never reach a resolver.
 */
@FunctionalInterface
public interface HostResolver {

  /**
   * @param domainName a valid, lower-case domain name without trailing dot
   * @return at least one address
   * @throws UnknownHostException if the name does not resolve
   */
  List<InetAddress> resolve(String domainName) throws UnknownHostException;
}
