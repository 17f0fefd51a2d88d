package dev.clincher.socketproxy.proxy;

import dev.clincher.socketproxy.inspect.ContainerCreateInspector;
import dev.clincher.socketproxy.inspect.ExecCreateInspector;
import dev.clincher.socketproxy.policy.Policy;
import java.nio.file.Path;

/**
 * What every client connection shares: the policy and inspectors, the limits, where Docker is, and where decisions
 * are recorded.
 */
record ProxyContext(Policy policy, ContainerCreateInspector containerCreate, ExecCreateInspector execCreate,
    ProxyLimits limits, Path dockerSocket, SandboxGuard guard, ListingQueries listings, Decisions decisions,
    LocalEndpoints local) {

  static ProxyContext of(Policy policy, ProxyLimits limits, Path dockerSocket, Decisions decisions,
      LocalEndpoints local) {
    return new ProxyContext(policy,
        new ContainerCreateInspector(policy.inspection(), policy.confinesToSandboxes()),
        new ExecCreateInspector(policy.inspection()),
        limits, dockerSocket, new SandboxGuard(new DockerApi(dockerSocket), policy.inspection().label()),
        new ListingQueries(policy.inspection().label()), decisions, local);
  }
}
