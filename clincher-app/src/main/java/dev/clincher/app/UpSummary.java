package dev.clincher.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code clincher up} prints to stdout once everything runs: where each service is, where the secrets are, what
 * is missing and the command that fixes each. The JSON log lines go on beside it.
 *
 * @param stateDir     the state directory
 * @param gatewayPort  the gateway's port (web chat and API)
 * @param routerPort   the router's port
 * @param egressPort   the egress proxy's port
 * @param socketProxy  the socket proxy's address ({@code tcp://127.0.0.1:2375}), when it runs
 * @param modelDefault what serves model {@code default}
 * @param signInLink   the web UI's one-time sign-in link, when the gateway offers one
 * @param missing      what does not work yet and how to fix it
 */
record UpSummary(Path stateDir, int gatewayPort, int routerPort, int egressPort, Optional<String> socketProxy,
    String modelDefault, Optional<String> signInLink, List<Missing> missing) {

  /** Something that does not work yet, and the command that fixes it. */
  record Missing(String what, String fix) {}

  UpSummary {
    missing = List.copyOf(missing);
  }

  /** The text, for people: aligned labels, one thing per line. */
  String render() {
    StringBuilder text = new StringBuilder("\nClincher is up.\n\n");
    String gateway = "http://127.0.0.1:" + gatewayPort;
    line(text, "Web chat", gateway + "/");
    // The web UI's one-time sign-in link (it expires): printed here once the gateway makes one.
    signInLink.ifPresent(link -> line(text, "Sign in", link + "   (one-time, valid 5 minutes)"));
    line(text, "Gateway API", gateway + "/v1   token: " + stateDir.resolve(UpDefaults.GATEWAY_TOKEN_FILE));
    line(text, "Router", "http://127.0.0.1:" + routerPort + "/v1   key: "
        + stateDir.resolve(UpDefaults.ROUTER_KEY_FILE));
    line(text, "Model default", modelDefault);
    line(text, "Egress proxy", "http://127.0.0.1:" + egressPort);
    line(text, "Socket proxy", socketProxy.orElse("not running (no Docker socket)"));
    line(text, "Config", stateDir.resolve(UpDefaults.CONFIG_FILE) + "   (yours: edit it, then restart)");
    if (missing.isEmpty()) {
      text.append("\nNothing is missing.\n");
    } else {
      text.append("\nMissing:\n");
      for (Missing item : missing) {
        text.append("  - ").append(item.what()).append("\n    fix: ").append(item.fix()).append('\n');
      }
    }
    text.append("\nTry the router:  curl -s http://127.0.0.1:").append(routerPort)
        .append("/v1/models -H \"Authorization: Bearer $(cat ").append(stateDir.resolve(UpDefaults.ROUTER_KEY_FILE))
        .append(")\"\n");
    text.append("Stop with Ctrl-C: the agent's sandboxes are removed, their workspaces kept.\n\n");
    return text.toString();
  }

  private static void line(StringBuilder text, String label, String value) {
    text.append("  ").append(String.format("%-14s", label)).append(value).append('\n');
  }
}
