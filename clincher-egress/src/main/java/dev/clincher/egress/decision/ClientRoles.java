package dev.clincher.egress.decision;

import dev.clincher.common.net.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Maps client source addresses to ACL roles (Smokescreen's "service" names), so the router and the gateway can have
 * different allowlists. The most specific matching block wins; a client in no block gets the ACL's default rule.
 */
public final class ClientRoles {
  /** One {@code CIDR=role} mapping. */
  public record Mapping(Cidr block, String role) {}

  private final List<Mapping> mappings;

  public ClientRoles(List<Mapping> mappings) {
    this.mappings = List.copyOf(mappings);
  }

  public static ClientRoles none() {
    return new ClientRoles(List.of());
  }

  /**
   * Parses {@code CIDR=role}, e.g. {@code 172.20.0.0/24=router}.
   *
   * @throws IllegalArgumentException naming the value and what is wrong with it
   */
  public static Mapping parseMapping(String text) {
    int equals = text.indexOf('=');
    if (equals <= 0 || equals == text.length() - 1) {
      throw new IllegalArgumentException("expected CIDR=role, got '" + text + "'");
    }
    String role = text.substring(equals + 1).trim();
    if (!role.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new IllegalArgumentException("role name must be 1-64 of [A-Za-z0-9_.-], got '" + role + "'");
    }
    return new Mapping(Cidr.parse(text.substring(0, equals).trim()), role);
  }

  /** The role for a client, or empty for the default rule. */
  public Optional<String> roleFor(InetAddress client) {
    Mapping best = null;
    for (Mapping mapping : mappings) {
      if (mapping.block().contains(client)
          && (best == null || mapping.block().prefixLength() > best.block().prefixLength())) {
        best = mapping;
      }
    }
    return Optional.ofNullable(best).map(Mapping::role);
  }
}
