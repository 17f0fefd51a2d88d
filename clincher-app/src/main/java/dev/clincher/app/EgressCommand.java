package dev.clincher.app;

import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import dev.clincher.egress.decision.ClientRoles;
import dev.clincher.egress.proxy.ProxyLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code clincher egress}: the allowlist egress proxy. Accepts Smokescreen's flags (the seed's container command
 * runs unchanged with {@code clincher egress} in place of the Smokescreen binary) plus Clincher's own limits.
 */
@Command(name = "egress", mixinStandardHelpOptions = true,
    description = "Run the allowlist egress proxy (HTTP CONNECT; a drop-in for Smokescreen).")
final class EgressCommand implements Callable<Integer> {
  @Option(names = "--egress-acl-file", paramLabel = "FILE",
      description = "Smokescreen ACL YAML; without it the embedded provider allowlist is enforced.")
  Path aclFile;

  @Option(names = "--listen-ip", paramLabel = "IP", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String listenIp;

  @Option(names = "--listen-port", paramLabel = "PORT", defaultValue = "4750",
      description = "Port to listen on (default: ${DEFAULT-VALUE}).")
  int listenPort;

  @Option(names = "--deny-range", paramLabel = "CIDR", description = "Deny this block too (repeatable).")
  List<String> denyRanges = new ArrayList<>();

  @Option(names = "--allow-range", paramLabel = "CIDR",
      description = "Open this block although the built-in tables deny it (repeatable); a more specific deny wins.")
  List<String> allowRanges = new ArrayList<>();

  @Option(names = "--deny-address", paramLabel = "IP[:PORT]", description = "Deny this address (repeatable).")
  List<String> denyAddresses = new ArrayList<>();

  @Option(names = "--allow-address", paramLabel = "IP[:PORT]", description = "Allow this address (repeatable).")
  List<String> allowAddresses = new ArrayList<>();

  @Option(names = "--stats-socket-dir", paramLabel = "DIR",
      description = "Accepted for Smokescreen compatibility and ignored: metrics are served at /metrics.")
  Path statsSocketDir;

  @Option(names = "--client-role", paramLabel = "CIDR=ROLE",
      description = "Clients from this block use the ACL service ROLE instead of the default rule (repeatable).")
  List<String> clientRoles = new ArrayList<>();

  @Option(names = "--allow-plain-http",
      description = "Forward absolute-form http:// requests too (refused by default).")
  boolean allowPlainHttp;

  @Option(names = "--max-head-bytes", paramLabel = "BYTES", defaultValue = "8192",
      description = "Largest request head accepted (default: ${DEFAULT-VALUE}).")
  int maxHeadBytes;

  @Option(names = "--head-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = DurationConverter.class, description = "Time to receive a request head (default: ${DEFAULT-VALUE}).")
  Duration headTimeout;

  @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = DurationConverter.class, description = "Upstream connect timeout (default: ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(names = "--tunnel-idle-timeout", paramLabel = "DURATION", defaultValue = "5m",
      converter = DurationConverter.class, description = "Close tunnels idle this long (default: ${DEFAULT-VALUE}).")
  Duration tunnelIdleTimeout;

  @Option(names = "--max-tunnel-lifetime", paramLabel = "DURATION", defaultValue = "1h",
      converter = DurationConverter.class, description = "Close tunnels open this long (default: ${DEFAULT-VALUE}).")
  Duration maxTunnelLifetime;

  @Option(names = "--max-concurrent-tunnels", paramLabel = "N", defaultValue = "4096",
      description = "Connections served at once; beyond, clients get 429 (default: ${DEFAULT-VALUE}).")
  int maxConcurrentTunnels;

  @Option(names = "--metrics-token-file", paramLabel = "FILE",
      description = "When set, GET /metrics needs 'Authorization: Bearer <token in FILE>'.")
  Path metricsTokenFile;

  @Override
  public Integer call() throws Exception {
    EgressServer server = EgressServer.start(settings());
    return Services.runUntilStopped(server, server::reload);
  }

  EgressSettings settings() {
    List<ClientRoles.Mapping> roles = clientRoles.stream().map(ClientRoles::parseMapping).toList();
    ProxyLimits limits = new ProxyLimits(maxHeadBytes, 100, headTimeout, connectTimeout, tunnelIdleTimeout,
        maxTunnelLifetime, maxConcurrentTunnels, ProxyLimits.defaults().relayBufferBytes());
    return new EgressSettings(listenIp, listenPort, Optional.ofNullable(aclFile), denyRanges, allowRanges,
        denyAddresses, allowAddresses, roles, allowPlainHttp, limits, Duration.ofSeconds(1),
        Optional.ofNullable(metricsTokenFile));
  }
}
