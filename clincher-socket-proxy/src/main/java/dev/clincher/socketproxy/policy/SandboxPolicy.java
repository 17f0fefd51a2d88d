package dev.clincher.socketproxy.policy;

import java.util.Set;

/**
 * The {@code sandbox} profile: exactly what a sandbox manager needs, and nothing else. Ping, version, container
 * create/start/stop/kill/remove/inspect/list, exec create/start/inspect/resize, and events. Listings and events are
 * narrowed to containers with the sandbox label, every operation on a container or exec first checks that label,
 * and container creation must ask for a hardened sandbox (see {@link InspectionPolicy}).
 */
public final class SandboxPolicy implements Policy {
  /** The operations of {@link Endpoints} this profile opens. */
  public static final Set<String> OPERATIONS = Set.of(
      "ping", "ping.head", "version",
      "container.list", "container.create", "container.inspect", "container.start", "container.stop",
      "container.kill", "container.remove",
      "exec.create", "exec.start", "exec.inspect", "exec.resize",
      "events");

  private final InspectionPolicy inspection;

  public SandboxPolicy(InspectionPolicy inspection) {
    this.inspection = inspection;
  }

  @Override
  public String profile() {
    return "sandbox";
  }

  @Override
  public InspectionPolicy inspection() {
    return inspection;
  }

  @Override
  public boolean confinesToSandboxes() {
    return true;
  }

  @Override
  public Verdict decide(String method, ApiPath path) {
    return Policy.decideWith(method, path, endpoint -> OPERATIONS.contains(endpoint.op())
        ? Verdict.allow(endpoint, "sandbox")
        : Verdict.deny(endpoint, endpoint.section(),
            "the sandbox profile does not allow " + endpoint.op()));
  }
}
