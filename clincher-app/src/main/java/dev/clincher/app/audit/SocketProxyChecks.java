package dev.clincher.app.audit;

import dev.clincher.socketproxy.policy.InspectionPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * The socket proxy, the gateway's only way to Docker: started with the sandbox profile (body inspection, the
 * dangerous API sections closed), a policy without host binds or root exec, and images limited to the sandbox's.
 */
public final class SocketProxyChecks implements Check {
  @Override
  public List<Finding> run(Deployment deployment) {
    List<Finding> findings = new ArrayList<>();
    ServiceCommand command = ServiceCommand.of(deployment, ComposeChecks.SOCKET_PROXY);
    List<String> profiles = command.values("--profile");
    if (deployment.kind() == Deployment.Kind.COMPOSE && !profiles.equals(List.of("sandbox"))) {
      findings.add(Finding.critical("socket_proxy.profile.sandbox", "the socket proxy runs with profile "
          + (profiles.isEmpty() ? "auto (the default)" : String.join(",", profiles)), "only the sandbox profile "
          + "limits every container operation to the sandboxes (compat, docker-socket-proxy's variables, opens "
          + "inspect, logs, stop and remove of every container, the services' own included)",
          "services.socket-proxy.command: --profile=sandbox"));
    }
    Deployment.Loaded<InspectionPolicy> loaded = deployment.socketProxyPolicy();
    if (loaded.value().isEmpty()) {
      findings.add(Finding.critical("socket_proxy.policy.invalid", "config/socket-proxy.yaml cannot be loaded: "
          + loaded.error(), "the socket proxy will not start, or starts without the policy you meant",
          "fix config/socket-proxy.yaml (docs/socket-proxy.md)"));
      return findings;
    }
    InspectionPolicy policy = loaded.value().get();
    if (!policy.allowedBindPaths().isEmpty()) {
      findings.add(Finding.critical("socket_proxy.policy.bind_paths", "the socket proxy lets containers bind "
          + policy.allowedBindPaths(), "a bind mount of the host into a sandbox is the host's files in the "
          + "agent's hands", "config/socket-proxy.yaml: allowed_bind_paths: []"));
    }
    if (policy.allowRootExec()) {
      findings.add(Finding.critical("socket_proxy.policy.root_exec", "the socket proxy lets exec run as root",
          "root in the sandbox undoes its user namespace and file permissions",
          "config/socket-proxy.yaml: allow_root_exec: false"));
    }
    if (policy.images().stream().anyMatch(image -> image.equals("*") || image.startsWith("*"))) {
      findings.add(Finding.critical("socket_proxy.policy.images", "the socket proxy accepts any image "
          + policy.images(), "any image can be a privileged toolbox or a miner", "config/socket-proxy.yaml: "
          + "images: [\"clincher-sandbox*\"]"));
    }
    return findings;
  }
}
