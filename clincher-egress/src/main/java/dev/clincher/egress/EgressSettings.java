package dev.clincher.egress;

import dev.clincher.egress.decision.ClientRoles;
import dev.clincher.egress.proxy.ProxyLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@code clincher egress} is started with. The flags mirror Smokescreen's where Smokescreen has one.
 *
 * @param listenIp address to listen on ({@code --listen-ip}, default 127.0.0.1)
 * @param listenPort port to listen on ({@code --listen-port}, default 4750)
 * @param aclFile Smokescreen ACL YAML ({@code --egress-acl-file}); empty means the embedded default allowlist
 * @param denyRanges extra denied CIDR blocks ({@code --deny-range})
 * @param allowRanges CIDR blocks opened explicitly ({@code --allow-range})
 * @param denyAddresses denied {@code IP} or {@code IP:port} ({@code --deny-address})
 * @param allowAddresses allowed {@code IP} or {@code IP:port} ({@code --allow-address})
 * @param clientRoles client source blocks mapped to ACL roles ({@code --client-role CIDR=ROLE})
 * @param allowPlainHttp forward absolute-form {@code http://} requests ({@code --allow-plain-http})
 * @param limits resource limits
 * @param aclPollInterval how often the ACL file is checked for changes
 * @param metricsTokenFile when set, {@code GET /metrics} needs this bearer token
 */
public record EgressSettings(
    String listenIp,
    int listenPort,
    Optional<Path> aclFile,
    List<String> denyRanges,
    List<String> allowRanges,
    List<String> denyAddresses,
    List<String> allowAddresses,
    List<ClientRoles.Mapping> clientRoles,
    boolean allowPlainHttp,
    ProxyLimits limits,
    Duration aclPollInterval,
    Optional<Path> metricsTokenFile) {

  public static final int DEFAULT_PORT = 4750;

  public EgressSettings {
    denyRanges = List.copyOf(denyRanges);
    allowRanges = List.copyOf(allowRanges);
    denyAddresses = List.copyOf(denyAddresses);
    allowAddresses = List.copyOf(allowAddresses);
    clientRoles = List.copyOf(clientRoles);
  }

  /** Loopback on the default port, the embedded allowlist and default limits. */
  public static EgressSettings defaults() {
    return new EgressSettings("127.0.0.1", DEFAULT_PORT, Optional.empty(), List.of(), List.of(), List.of(),
        List.of(), List.of(), false, ProxyLimits.defaults(), Duration.ofSeconds(1), Optional.empty());
  }
}
