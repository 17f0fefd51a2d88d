package dev.clincher.socketproxy;

import dev.clincher.socketproxy.proxy.ProxyLimits;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Everything {@code clincher socket-proxy} is started with.
 *
 * @param listenHost address to listen on (default 127.0.0.1)
 * @param listenPort port to listen on (default 2375)
 * @param dockerSocket the Docker Engine socket (default /var/run/docker.sock)
 * @param profile which policy runs: {@link Profile#AUTO} picks {@code compat} when any docker-socket-proxy
 *     variable is set and {@code sandbox} otherwise
 * @param policyFile YAML tuning body inspection and the sandbox profile ({@code --policy}); empty for defaults
 * @param environment the process environment, read for the docker-socket-proxy variables
 * @param limits resource limits
 * @param metricsTokenFile when set, {@code GET /metrics} needs this bearer token
 */
public record SocketProxySettings(String listenHost, int listenPort, Path dockerSocket, Profile profile,
    Optional<Path> policyFile, Map<String, String> environment, ProxyLimits limits, Optional<Path> metricsTokenFile) {

  public static final int DEFAULT_PORT = 2375;
  public static final Path DEFAULT_DOCKER_SOCKET = Path.of("/var/run/docker.sock");

  /** How the policy is chosen. */
  public enum Profile { AUTO, SANDBOX, COMPAT }

  public SocketProxySettings {
    environment = Map.copyOf(environment);
  }

  /** Loopback:2375, the local Docker socket, automatic profile, no variables, default limits. */
  public static SocketProxySettings defaults() {
    return new SocketProxySettings("127.0.0.1", DEFAULT_PORT, DEFAULT_DOCKER_SOCKET, Profile.AUTO, Optional.empty(),
        Map.of(), ProxyLimits.defaults(), Optional.empty());
  }

  public SocketProxySettings withListenPort(int port) {
    return new SocketProxySettings(listenHost, port, dockerSocket, profile, policyFile, environment, limits,
        metricsTokenFile);
  }

  public SocketProxySettings withDockerSocket(Path socket) {
    return new SocketProxySettings(listenHost, listenPort, socket, profile, policyFile, environment, limits,
        metricsTokenFile);
  }

  public SocketProxySettings withProfile(Profile newProfile) {
    return new SocketProxySettings(listenHost, listenPort, dockerSocket, newProfile, policyFile, environment, limits,
        metricsTokenFile);
  }

  public SocketProxySettings withEnvironment(Map<String, String> env) {
    return new SocketProxySettings(listenHost, listenPort, dockerSocket, profile, policyFile, env, limits,
        metricsTokenFile);
  }

  public SocketProxySettings withPolicyFile(Path file) {
    return new SocketProxySettings(listenHost, listenPort, dockerSocket, profile, Optional.of(file), environment,
        limits, metricsTokenFile);
  }

  public SocketProxySettings withLimits(ProxyLimits newLimits) {
    return new SocketProxySettings(listenHost, listenPort, dockerSocket, profile, policyFile, environment, newLimits,
        metricsTokenFile);
  }

  public SocketProxySettings withMetricsTokenFile(Path file) {
    return new SocketProxySettings(listenHost, listenPort, dockerSocket, profile, policyFile, environment, limits,
        Optional.of(file));
  }
}
