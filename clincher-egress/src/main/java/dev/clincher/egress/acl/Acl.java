package dev.clincher.egress.acl;

import dev.clincher.common.config.ConfigException;
import dev.clincher.egress.hostname.HostNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An egress ACL in Smokescreen's YAML format ({@code version: v1}), immutable once loaded. It answers one question:
 * may this role reach this host?
 *
 * <p>The order of checks is Smokescreen's ({@code pkg/smokescreen/acl/v1/acl.go}, {@code ACL.Decide}):
 * <ol>
 *   <li>Pick the rule: the {@code services} entry whose {@code name} equals the role (exact, case-sensitive), else the
 *       {@code default} rule; with neither, deny ({@code no_rule}).
 *   <li>The host is on the rule's {@code allowed_domains}: allow ({@code allowed_domain}). This comes
 *       <em>before</em> the global lists, so a rule can allow a host the global deny list names (Smokescreen's test
 *       "allow despite global denylist with allowed domains override").
 *   <li>The host is on {@code global_deny_list}: deny ({@code global_deny}), also for {@code report} and
 *       {@code open} rules.
 *   <li>The host is on {@code global_allow_list}: allow ({@code global_allow}). A host on both global lists is denied.
 *   <li>Otherwise the rule's action: {@code enforce} denies and {@code report} allows-and-reports (both
 *       {@code not_in_allowlist}); {@code open} allows ({@code open_action}).
 * </ol>
 *
 * <p>Load with {@link #load(Path)}; for changing files use {@link AclWatcher}.
 */
public final class Acl {
  /** The largest ACL file accepted: 1 MiB. */
  public static final int MAX_FILE_BYTES = 1 << 20;

  /** The role name reported for the default rule when it does not name itself. */
  public static final String DEFAULT_ROLE = "default";

  private final String source;
  private final Map<String, AclRule> services;
  private final AclRule defaultRule;
  private final List<DomainGlob> globalAllowList;
  private final List<DomainGlob> globalDenyList;

  Acl(String source, List<AclRule> services, AclRule defaultRule, List<DomainGlob> globalAllowList,
      List<DomainGlob> globalDenyList) {
    this.source = source;
    Map<String, AclRule> byName = new LinkedHashMap<>();
    services.forEach(rule -> byName.put(rule.name(), rule));
    this.services = Collections.unmodifiableMap(byName);
    this.defaultRule = defaultRule;
    this.globalAllowList = List.copyOf(globalAllowList);
    this.globalDenyList = List.copyOf(globalDenyList);
  }

  /**
   * Reads and validates an ACL file.
   *
   * @throws ConfigException naming the file, the key path (e.g. {@code services[2].allowed_domains[0]}) and the
   *     reason, for unreadable or oversized files, YAML errors, unknown or duplicate keys, wrong types, a missing or
   *     unsupported {@code version}, unknown actions, invalid globs and duplicate service names
   */
  public static Acl load(Path file) throws ConfigException {
    return AclYamlReader.parse(AclYamlReader.read(file), file.toString());
  }

  /**
   * Parses ACL text, for tests and embedded defaults.
   *
   * @param sourceName how errors name the text, e.g. {@code embedded default ACL}
   * @throws ConfigException as {@link #load(Path)}
   */
  public static Acl parse(String yaml, String sourceName) throws ConfigException {
    return AclYamlReader.parse(yaml.getBytes(StandardCharsets.UTF_8), sourceName);
  }

  /**
   * Decides whether {@code role} may reach {@code host}.
   *
   * @param role the client's role (Smokescreen's service name); {@code null}, empty or unknown selects the default
   *     rule
   * @param host the requested host: a domain name or an IP literal (IPv6 with or without brackets). It is brought to
   *     canonical form here (lower case, Punycode, no trailing dot), so any spelling of the same name decides the
   *     same way; an empty or malformed host is denied ({@code invalid_host})
   */
  public AclDecision decide(String role, String host) {
    AclRule rule = ruleFor(role);
    if (rule == null) {
      String wanted = role == null || role.isEmpty() ? DEFAULT_ROLE : role;
      return new AclDecision(AclDecision.Result.DENY, AclDecision.REASON_NO_RULE, wanted, "");
    }
    String normalised = HostNames.normalize(host);
    if (normalised == null) {
      return decision(rule, AclDecision.Result.DENY, AclDecision.REASON_INVALID_HOST);
    }
    if (rule.allowsNormalised(normalised)) {
      return decision(rule, AclDecision.Result.ALLOW, AclDecision.REASON_ALLOWED_DOMAIN);
    }
    if (AclRule.matchesAny(globalDenyList, normalised)) {
      return decision(rule, AclDecision.Result.DENY, AclDecision.REASON_GLOBAL_DENY);
    }
    if (AclRule.matchesAny(globalAllowList, normalised)) {
      return decision(rule, AclDecision.Result.ALLOW, AclDecision.REASON_GLOBAL_ALLOW);
    }
    return switch (rule.action()) {
      case ENFORCE -> decision(rule, AclDecision.Result.DENY, AclDecision.REASON_NOT_IN_ALLOWLIST);
      case REPORT -> decision(rule, AclDecision.Result.ALLOW_REPORT, AclDecision.REASON_NOT_IN_ALLOWLIST);
      case OPEN -> decision(rule, AclDecision.Result.ALLOW, AclDecision.REASON_OPEN_ACTION);
    };
  }

  /** The rule that applies to {@code role}: its own, else the default rule; empty when neither exists. */
  public Optional<AclRule> rule(String role) {
    return Optional.ofNullable(ruleFor(role));
  }

  /** The {@code services} rules by name, in file order. */
  public Map<String, AclRule> services() {
    return services;
  }

  /** The {@code default} rule, when the file has one. */
  public Optional<AclRule> defaultRule() {
    return Optional.ofNullable(defaultRule);
  }

  public List<DomainGlob> globalAllowList() {
    return globalAllowList;
  }

  public List<DomainGlob> globalDenyList() {
    return globalDenyList;
  }

  /** Where the ACL came from: the file path or the source name given to {@link #parse}. */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return "Acl[" + source + ": " + services.size() + " services, default "
        + (defaultRule == null ? "none" : defaultRule.action().yamlName()) + "]";
  }

  private AclRule ruleFor(String role) {
    AclRule own = role == null ? null : services.get(role);
    return own != null ? own : defaultRule;
  }

  private static AclDecision decision(AclRule rule, AclDecision.Result result, String reason) {
    return new AclDecision(result, reason, rule.name(), rule.project());
  }
}
