package dev.clincher.egress.acl;

import java.util.Optional;

/**
 * What a rule does with a host that is not on its allowlist (Smokescreen's {@code action}). A host on the rule's
 * {@code allowed_domains} is always allowed, whatever the action.
 */
public enum AclAction {
  /** Deny hosts that are not on the allowlist. */
  ENFORCE,
  /** Allow hosts that are not on the allowlist, but report them: the log line says enforce would have denied. */
  REPORT,
  /** Allow every host (the global deny list still applies). */
  OPEN;

  /** The spelling in the YAML file: {@code enforce}, {@code report} or {@code open}. */
  public String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The action for its YAML spelling. Smokescreen matches the lower-case words exactly
   * ({@code pkg/smokescreen/acl/v1/policy.go}, {@code PolicyFromAction}), so {@code Enforce} is not an action.
   */
  public static Optional<AclAction> fromYaml(String text) {
    for (AclAction action : values()) {
      if (action.yamlName().equals(text)) {
        return Optional.of(action);
      }
    }
    return Optional.empty();
  }
}
