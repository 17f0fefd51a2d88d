package dev.clincher.app;

import dev.clincher.common.config.ConfigException;
import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import dev.clincher.socketproxy.SocketProxySettings.Profile;
import dev.clincher.socketproxy.proxy.ProxyLimits;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code clincher socket-proxy}: the Docker API filter. Reads docker-socket-proxy's environment variables (so the
 * seed's settings run unchanged); with none set it runs the stricter {@code sandbox} profile.
 */
@Command(name = "socket-proxy", mixinStandardHelpOptions = true,
    description = "Run the Docker API filter (a drop-in for docker-socket-proxy, with request-body inspection).")
final class SocketProxyCommand implements Callable<Integer> {
  @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:2375",
      description = "Address to listen on (default: ${DEFAULT-VALUE}); IPv6 as [::1]:2375.")
  String listen;

  @Option(names = "--docker-socket", paramLabel = "PATH", defaultValue = "/var/run/docker.sock",
      description = "The Docker Engine socket (default: ${DEFAULT-VALUE}).")
  Path dockerSocket;

  @Option(names = "--profile", paramLabel = "PROFILE", defaultValue = "auto",
      description = "sandbox, compat, or auto: compat when any docker-socket-proxy variable is set, else sandbox "
          + "(default: ${DEFAULT-VALUE}).")
  Profile profile;

  @Option(names = "--policy", paramLabel = "FILE",
      description = "YAML tuning body inspection and the sandbox profile (images, label, allowed_bind_paths, "
          + "allowed_volumes, allow_root_exec).")
  Path policyFile;

  @Option(names = "--max-body-bytes", paramLabel = "BYTES", defaultValue = "1048576",
      description = "Largest container/exec create body, read fully and inspected (default: ${DEFAULT-VALUE}).")
  int maxBodyBytes;

  @Option(names = "--max-connections", paramLabel = "N", defaultValue = "1024",
      description = "Client connections served at once; beyond, clients get 429 (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(names = "--metrics-token-file", paramLabel = "FILE",
      description = "When set, GET /metrics needs 'Authorization: Bearer <token in FILE>'.")
  Path metricsTokenFile;

  @Override
  public Integer call() throws Exception {
    SocketProxyServer server = SocketProxyServer.start(settings(System.getenv()));
    return Services.runUntilStopped(server, server::reloadSecrets);
  }

  SocketProxySettings settings(Map<String, String> env) throws ConfigException {
    HostPort address = HostPort.parse(listen);
    ProxyLimits defaults = ProxyLimits.defaults();
    ProxyLimits limits = new ProxyLimits(defaults.maxHeadBytes(), defaults.maxHeaders(), defaults.headTimeout(),
        defaults.idleTimeout(), maxBodyBytes, defaults.bodyTimeout(), maxConnections);
    return new SocketProxySettings(address.host(), address.port(), dockerSocket, profile,
        Optional.ofNullable(policyFile), env, limits, Optional.ofNullable(metricsTokenFile));
  }

  /** {@code 127.0.0.1:2375}, {@code [::1]:2375} or {@code 0.0.0.0:2375}. */
  record HostPort(String host, int port) {
    static HostPort parse(String text) throws ConfigException {
      int colon = text.lastIndexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        throw new ConfigException("--listen", "", "expected HOST:PORT");
      }
      String host = text.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      try {
        int port = Integer.parseInt(text.substring(colon + 1));
        if (port < 0 || port > 65535) {
          throw new ConfigException("--listen", "", "the port must be 0-65535");
        }
        return new HostPort(host, port);
      } catch (NumberFormatException e) {
        throw new ConfigException("--listen", "", "the port must be a number");
      }
    }
  }
}
