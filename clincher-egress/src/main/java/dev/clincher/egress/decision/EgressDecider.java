package dev.clincher.egress.decision;

import dev.clincher.common.net.IpLiterals;
import dev.clincher.egress.acl.Acl;
import dev.clincher.egress.acl.AclDecision;
import dev.clincher.egress.address.AddressPolicy;
import dev.clincher.egress.address.AddressVerdict;
import dev.clincher.egress.address.HostResolver;
import dev.clincher.egress.address.InvalidHostException;
import dev.clincher.egress.address.RequestedHost;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Decides whether a client may reach {@code host:port}, in this order: parse the host strictly (numeric spellings
 * never reach DNS), ask the ACL for the client's role, resolve the name once, and classify every resolved address;
 * a single denied address denies the request, so a name that answers with both a public and a private address
 * cannot be used to reach the private one. The addresses returned are the only ones the proxy may connect to.
 */
public final class EgressDecider {
  private final Supplier<Acl> acl;
  private final AddressPolicy addresses;
  private final HostResolver resolver;
  private final ClientRoles roles;
  private final Duration resolveTimeout;

  /**
   * Whether deciding on this host may wait for DNS: true for a valid domain name, false for an IP literal and for a
   * host that is refused before any lookup. Callers that must not block (a selector thread) decide only when false.
   */
  public boolean needsLookup(String host) {
    try {
      return RequestedHost.parse(host) instanceof RequestedHost.DomainName;
    } catch (InvalidHostException e) {
      return false;
    }
  }

  /**
   * @param acl the current ACL (re-read per request, so reloads apply to new requests only)
   * @param addresses the address policy
   * @param resolver resolves domain names, called at most once per request
   * @param roles maps client addresses to ACL roles
   * @param resolveTimeout how long a lookup may take before it counts as a DNS failure
   */
  public EgressDecider(Supplier<Acl> acl, AddressPolicy addresses, HostResolver resolver, ClientRoles roles,
      Duration resolveTimeout) {
    this.acl = acl;
    this.addresses = addresses;
    this.resolver = resolver;
    this.roles = roles;
    this.resolveTimeout = resolveTimeout;
  }

  public Decision decide(InetAddress client, String host, int port) {
    String role = roles.roleFor(client).orElse(null);
    RequestedHost requested;
    try {
      requested = RequestedHost.parse(host);
    } catch (InvalidHostException e) {
      return Decision.deny(400, e.reason(), role == null ? "default" : role, "");
    }
    AclDecision verdict = acl.get().decide(role, aclName(requested));
    if (verdict.result() == AclDecision.Result.DENY) {
      return Decision.deny(403, verdict.reason(), verdict.role(), verdict.project());
    }
    List<InetAddress> resolved;
    try {
      resolved = resolve(requested);
    } catch (UnknownHostException e) {
      return Decision.deny(503, "dns_failure", verdict.role(), verdict.project());
    }
    for (InetAddress address : resolved) {
      AddressVerdict check = addresses.classify(address, port);
      if (!check.allowed()) {
        return Decision.deny(403, check.reason(), verdict.role(), verdict.project(), address);
      }
    }
    boolean reportOnly = verdict.result() == AclDecision.Result.ALLOW_REPORT;
    return new Decision(true, 200, verdict.reason(), verdict.role(), verdict.project(), reportOnly, resolved);
  }

  private List<InetAddress> resolve(RequestedHost requested) throws UnknownHostException {
    List<InetAddress> resolved = switch (requested) {
      case RequestedHost.IpLiteral literal -> List.of(IpLiterals.unmapIpv4(literal.address()));
      case RequestedHost.DomainName name -> resolveWithin(name.name()).stream().map(IpLiterals::unmapIpv4).toList();
    };
    if (resolved.isEmpty()) {
      throw new UnknownHostException("no addresses");
    }
    return resolved;
  }

  /** The system resolver has no timeout of its own; a lookup that takes too long counts as a DNS failure. */
  private List<InetAddress> resolveWithin(String name) throws UnknownHostException {
    FutureTask<List<InetAddress>> lookup = new FutureTask<>(() -> resolver.resolve(name));
    Thread.ofVirtual().name("egress-dns").start(lookup);
    try {
      return lookup.get(resolveTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      lookup.cancel(true);
      throw new UnknownHostException("lookup timed out");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownHostException unknown) {
        throw unknown;
      }
      throw new UnknownHostException("lookup failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnknownHostException("interrupted");
    }
  }

  private static String aclName(RequestedHost requested) {
    return switch (requested) {
      case RequestedHost.IpLiteral literal -> literal.text();
      case RequestedHost.DomainName name -> name.name();
    };
  }
}
