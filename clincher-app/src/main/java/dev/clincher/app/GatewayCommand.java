package dev.clincher.app;

import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code clincher gateway}: the agent runtime. Reads the gateway YAML; the API token, the router key and database
 * password come from files ({@code token_file}, {@code api_key_file}, {@code password_file} or the matching
 * {@code *_FILE} variables), never from the command line. SIGHUP re-reads the token, router key and metrics token
 * ({@code clincher rotate}); other config changes need a restart.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
    description = "Run the agent gateway (sessions, agent loop, tools in sandboxes).")
final class GatewayCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", required = true, description = "The gateway YAML config.")
  Path config;

  @Option(names = "--host", paramLabel = "HOST", description = "Address to listen on (overrides server.host).")
  String host;

  @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on (overrides server.port; default 18789).")
  Integer port;

  @Override
  public Integer call() throws Exception {
    GatewayServer server = GatewayServer.start(settings());
    return Services.runUntilStopped(server, server::reloadSecrets);
  }

  GatewaySettings settings() {
    return new GatewaySettings(config, Optional.ofNullable(host), Optional.ofNullable(port), System.getenv());
  }
}
