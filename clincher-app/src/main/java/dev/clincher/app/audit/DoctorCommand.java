package dev.clincher.app.audit;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clincher doctor}: is the deployment up, and what to run when it is not. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = {"Check that a compose deployment is up: Docker, each service running and healthy, the images, "
        + "each provider reachable through the egress proxy (or why not), disk space and the clock; each problem "
        + "with the command or setting that fixes it (docs/audit.md).",
        "Exit status: 0 when all is well, 1 when something is critical, 2 on bad usage."})
public final class DoctorCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  AuditCommand.Target target;

  @Option(names = "--json", description = "One JSON document on standard output.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      Deployment deployment = target.stateDir != null ? Deployment.readUp(target.stateDir)
          : Deployment.read(target.deployment);
      List<Finding> findings = new Doctor(deployment).run().stream()
          .sorted(Comparator.comparing(Finding::severity)).toList();
      out.print(json ? AuditCommand.json(deployment, findings, List.of())
          : AuditCommand.text(deployment, findings, List.of()).replaceFirst("^Audit of ", "Doctor of "));
      out.flush();
      return Audit.count(findings, Severity.CRITICAL) > 0 ? 1 : 0;
    } catch (IOException e) {
      spec.commandLine().getErr().println("clincher doctor: " + e.getMessage());
      return 2;
    }
  }
}
