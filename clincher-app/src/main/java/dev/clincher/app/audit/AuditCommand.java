package dev.clincher.app.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clincher audit}: checks that every layer of a deployment holds, and says how to fix what does not. */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = {"Check a compose deployment's configuration, layer by layer (docs/audit.md): each finding has a "
        + "stable id, a severity, what was found, why it matters and the exact fix.",
        "Exit status: 0 when no critical finding remains, 1 when one does, 2 on bad usage or an unreadable "
            + "deployment."})
public final class AuditCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** What to audit: a compose deployment, or up's state directory. */
  static final class Target {
    @Option(names = "--deploy", paramLabel = "DIR", required = true,
        description = "A compose deployment directory (as written by clincher deploy init).")
    Path deployment;

    @Option(names = "--state-dir", paramLabel = "DIR", required = true,
        description = "The state directory of ./clincher up (e.g. ~/.clincher), after it started once.")
    Path stateDir;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  @Option(names = "--deep", description = "Also probe the running stack as an attacker inside it would (needs "
      + "docker and the clincher/probe image; each probe bounded, nothing left behind).")
  boolean deep;

  @Option(names = "--json", description = "One JSON document on standard output.")
  boolean json;

  @Option(names = "--fix", description = "Apply the safe fixes (secret modes, egress enforce mode, socket-proxy "
      + "policy) and audit again; never changes a secret's content.")
  boolean fix;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (target.stateDir != null && fix) {
      spec.commandLine().getErr().println("clincher audit: --fix is for a compose deployment (--deploy); for "
          + "./clincher up, edit clincher.yaml as the findings say and restart up");
      return 2;
    }
    try {
      Deployment deployment = read();
      List<Finding> findings = Audit.run(deployment, deep);
      List<String> changed = List.of();
      if (fix) {
        changed = Fixes.apply(deployment, findings);
        deployment = read();
        findings = Audit.run(deployment, deep);
      }
      out.print(json ? json(deployment, findings, changed) : text(deployment, findings, changed));
      out.flush();
      return Audit.count(findings, Severity.CRITICAL) > 0 ? 1 : 0;
    } catch (IOException e) {
      err.println("clincher audit: " + e.getMessage());
      return 2;
    }
  }

  private Deployment read() throws IOException {
    return target.stateDir != null ? Deployment.readUp(target.stateDir) : Deployment.read(target.deployment);
  }

  /** How the compose names in the findings map onto up's files. */
  static final String UP_NAMES = "For ./clincher up: config/gateway.yaml stands for clincher.yaml's gateway: section, "
      + "config/egress-acl.yaml for egress.acl:, config/socket-proxy.yaml for socket_proxy:, config/router.yaml for "
      + "router: (edit clincher.yaml, then restart up); the secrets are the state directory's files.\n";

  static String text(Deployment deployment, List<Finding> findings, List<String> changed) {
    StringBuilder text = new StringBuilder("Audit of " + deployment.directory() + "\n");
    if (deployment.kind() == Deployment.Kind.UP) {
      text.append(UP_NAMES);
    }
    for (String change : changed) {
      text.append("fixed: ").append(change).append('\n');
    }
    for (Finding finding : findings) {
      text.append('\n').append(finding.severity().label().toUpperCase(java.util.Locale.ROOT)).append("  ")
          .append(finding.id()).append("\n  found: ").append(finding.found()).append('\n');
      if (!finding.why().isEmpty()) {
        text.append("  why:   ").append(finding.why()).append("\n  fix:   ").append(finding.fix()).append('\n');
      }
    }
    text.append(String.format(java.util.Locale.ROOT, "%n%d critical, %d warn, %d info%n",
        Audit.count(findings, Severity.CRITICAL), Audit.count(findings, Severity.WARN),
        Audit.count(findings, Severity.INFO)));
    return text.toString();
  }

  static String json(Deployment deployment, List<Finding> findings, List<String> changed) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("deployment", deployment.directory().toString());
    root.put("kind", deployment.kind().name().toLowerCase(java.util.Locale.ROOT));
    ArrayNode list = root.putArray("findings");
    for (Finding finding : findings) {
      list.addObject().put("id", finding.id()).put("severity", finding.severity().label())
          .put("found", finding.found()).put("why", finding.why()).put("fix", finding.fix());
    }
    ArrayNode fixed = root.putArray("fixed");
    changed.forEach(fixed::add);
    ObjectNode summary = root.putObject("summary");
    for (Severity severity : Severity.values()) {
      summary.put(severity.label(), Audit.count(findings, severity));
    }
    return root.toPrettyString() + "\n";
  }
}
