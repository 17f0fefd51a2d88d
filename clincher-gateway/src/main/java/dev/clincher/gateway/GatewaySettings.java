package dev.clincher.gateway;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the gateway is started: the config file, listen address overrides from the command line, and the environment
 * the config's {@code ${VAR}} references and {@code *_FILE} secrets resolve against.
 *
 * @param configFile the gateway YAML
 * @param host overrides {@code server.host} when present
 * @param port overrides {@code server.port} when present
 * @param env the environment (the process's in production; a map in tests)
 */
public record GatewaySettings(Path configFile, Optional<String> host, Optional<Integer> port, Map<String, String> env) {
  public static final int DEFAULT_PORT = 18789;

  public GatewaySettings {
    Objects.requireNonNull(configFile, "configFile");
    env = Map.copyOf(env);
  }
}
