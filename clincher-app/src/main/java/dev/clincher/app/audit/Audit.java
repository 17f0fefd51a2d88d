package dev.clincher.app.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Runs every check on a deployment; findings most severe first, then by id. */
public final class Audit {
  /** Every area, in the order of the chain: the way in, tools, Docker, the way out, money and state. */
  public static final List<Check> CHECKS = List.of(new ComposeChecks(), new GatewayChecks(), new SocketProxyChecks(),
      new EgressChecks(), new RouterChecks(), new SecretChecks());

  private Audit() {}

  public static List<Finding> run(Deployment deployment) {
    return run(deployment, false);
  }

  /** The settings' checks, and with {@code deep} the probes of the running stack ({@link LiveProbes}). */
  public static List<Finding> run(Deployment deployment, boolean deep) {
    List<Finding> findings = new ArrayList<>();
    for (Check check : CHECKS) {
      findings.addAll(check.run(deployment));
    }
    if (deep) {
      findings.addAll(deployment.kind() == Deployment.Kind.UP ? new UpProbes(deployment).run()
          : new LiveProbes(deployment).run());
    }
    findings.sort(Comparator.comparing(Finding::severity).thenComparing(Finding::id));
    return List.copyOf(findings);
  }

  public static long count(List<Finding> findings, Severity severity) {
    return findings.stream().filter(finding -> finding.severity() == severity).count();
  }
}
