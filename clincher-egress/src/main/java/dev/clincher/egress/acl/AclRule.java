package dev.clincher.egress.acl;

import java.util.List;
import java.util.Objects;

/**
 * One rule of the ACL: an entry of {@code services}, or the {@code default} rule that applies to every role without
 * its own entry.
 *
 * @param name the role (Smokescreen's service name); for the default rule its {@code name}, or {@code default}
 * @param project the owner, for logs only; empty when the file sets none
 * @param action what happens to hosts that are not on the allowlist
 * @param allowedDomains the rule's allowlist, in file order
 */
public record AclRule(String name, String project, AclAction action, List<DomainGlob> allowedDomains) {

  public AclRule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(action, "action");
    project = project == null ? "" : project;
    allowedDomains = List.copyOf(allowedDomains);
  }

  /** Whether a normalised host is on this rule's allowlist. */
  boolean allowsNormalised(String host) {
    return matchesAny(allowedDomains, host);
  }

  static boolean matchesAny(List<DomainGlob> globs, String normalisedHost) {
    for (DomainGlob glob : globs) {
      if (glob.matchesNormalised(normalisedHost)) {
        return true;
      }
    }
    return false;
  }
}
