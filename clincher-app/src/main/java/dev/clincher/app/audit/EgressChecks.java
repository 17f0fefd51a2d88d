package dev.clincher.app.audit;

import dev.clincher.egress.acl.Acl;
import dev.clincher.egress.acl.AclAction;
import dev.clincher.egress.acl.AclRule;
import dev.clincher.egress.acl.DomainGlob;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The egress proxy, the only way out: its allowlist enforced for every role, no wildcard that covers a whole
 * top-level domain, and no private, loopback or link-local range let through by a command-line flag.
 */
public final class EgressChecks implements Check {
  @Override
  public List<Finding> run(Deployment deployment) {
    List<Finding> findings = new ArrayList<>();
    Deployment.Loaded<Acl> loaded = deployment.egressAcl();
    if (loaded.value().isEmpty()) {
      findings.add(Finding.critical("egress.acl.invalid", "config/egress-acl.yaml cannot be loaded: "
          + loaded.error(), "the egress proxy will not start, or starts without the rules you meant",
          "fix config/egress-acl.yaml (Smokescreen's ACL format, docs/egress.md)"));
    } else {
      rules(loaded.value().get(), findings);
    }
    ranges(ServiceCommand.of(deployment, "egress"), findings);
    return findings;
  }

  private static void rules(Acl acl, List<Finding> findings) {
    Map<String, AclRule> rules = new LinkedHashMap<>(acl.services());
    acl.defaultRule().ifPresent(rule -> rules.put("default", rule));
    int allowed = 0;
    for (Map.Entry<String, AclRule> entry : rules.entrySet()) {
      AclRule rule = entry.getValue();
      if (rule.action() != AclAction.ENFORCE) {
        findings.add(Finding.critical("egress.acl.mode.enforce", "egress role " + entry.getKey() + " is in "
            + rule.action().yamlName() + " mode", "a host off the allowlist is let through: a prompt-injected "
            + "agent can send what it read anywhere", "config/egress-acl.yaml: action: enforce for "
            + entry.getKey()));
      }
      for (DomainGlob glob : rule.allowedDomains()) {
        allowed++;
        if (glob.wildcard() && !glob.domain().contains(".")) {
          findings.add(Finding.critical("egress.acl.wildcard_world", "egress role " + entry.getKey()
              + " allows " + glob, "a wildcard over a whole top-level domain lets anyone's server in it "
              + "receive data", "config/egress-acl.yaml: list the exact hosts instead of " + glob));
        }
      }
    }
    if (acl.defaultRule().isEmpty() && rules.isEmpty()) {
      findings.add(Finding.warn("egress.acl.empty", "the egress allowlist has no rules",
          "nothing can leave: no provider can be reached", "config/egress-acl.yaml: a default rule listing the "
              + "providers' hosts"));
    }
    findings.add(Finding.info("egress.acl.allowlist", allowed + " allowed domain(s) over " + rules.size()
        + " role(s); every domain added is a way out for whatever the agent read"));
  }

  private static void ranges(ServiceCommand command, List<Finding> findings) {
    List<String> allowed = new ArrayList<>(command.values("--allow-range"));
    allowed.addAll(command.values("--allow-address"));
    for (String range : allowed) {
      if (isInternal(range)) {
        findings.add(Finding.critical("egress.ranges.private_allowed", "the egress proxy is started with an "
            + "allow for " + range, "private, loopback and link-local addresses are where the metadata service, "
            + "Redis and the Docker API live (SSRF)", "services.egress.command: remove the allow for " + range));
      }
    }
  }

  /** Whether the address or the start of the range is private, loopback, link-local or unspecified. */
  static boolean isInternal(String range) {
    String address = range.contains("/") ? range.substring(0, range.indexOf('/')) : range;
    if (address.startsWith("[")) {
      address = address.substring(1, address.indexOf(']'));
    } else if (address.chars().filter(c -> c == ':').count() == 1) {
      address = address.substring(0, address.indexOf(':')); // IPv4 with a port
    }
    if (!address.matches("[0-9A-Fa-f:.]+")) {
      return true; // not an address literal the audit understands: treat as the worst case
    }
    try {
      InetAddress parsed = InetAddress.getByName(address); // a literal: no lookup
      return parsed.isSiteLocalAddress() || parsed.isLoopbackAddress() || parsed.isLinkLocalAddress()
          || parsed.isAnyLocalAddress() || address.startsWith("fc") || address.startsWith("fd")
          || range.endsWith("/0");
    } catch (java.net.UnknownHostException e) {
      return true;
    }
  }
}
