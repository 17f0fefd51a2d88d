package dev.clincher.egress.address;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Resolves through the JVM's resolver ({@link InetAddress#getAllByName}, i.e. the system's DNS and
 * hosts file, with the JVM's address cache).
 *
 * <p>Guarded: the name is parsed again with {@link RequestedHost#parse} and must be a
 * {@link RequestedHost.DomainName}; an IP literal or a numeric spelling such as {@code 127.1} (which
 * {@code getAllByName} would happily turn into an address) is refused with an
 * {@link IllegalArgumentException}, because passing one here is a bug in the caller.
 *
 * <p>{@code getAllByName} has no timeout of its own; callers bound the time they wait.
 */
public final class SystemHostResolver implements HostResolver {

  @Override
  public List<InetAddress> resolve(String domainName) throws UnknownHostException {
    RequestedHost host;
    try {
      host = RequestedHost.parse(domainName);
    } catch (InvalidHostException e) {
      throw new IllegalArgumentException("refusing to resolve an invalid host: " + e.getMessage(), e);
    }
    if (!(host instanceof RequestedHost.DomainName name)) {
      throw new IllegalArgumentException(
          "refusing to resolve an IP literal: " + InvalidHostException.quote(domainName));
    }
    return List.of(InetAddress.getAllByName(name.name()));
  }
}
