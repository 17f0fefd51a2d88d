package dev.clincher.router;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@code clincher router} is started with.
 *
 * @param host       address to listen on ({@code --host}, default 127.0.0.1; 0.0.0.0 in a container)
 * @param port       port to listen on ({@code --port}, default 4000; 0 picks a free one)
 * @param configFile the LiteLLM {@code config.yaml} ({@code --config})
 * @param env        the environment: {@code os.environ/VAR} references, {@code LITELLM_MASTER_KEY},
 *                   {@code HTTPS_PROXY}/{@code HTTP_PROXY}/{@code NO_PROXY}, {@code SSL_CERT_FILE} (pass
 *                   {@code System.getenv()})
 */
public record RouterSettings(String host, int port, Path configFile, Map<String, String> env) {
  public static final int DEFAULT_PORT = 4000;

  public RouterSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(configFile, "configFile");
    env = Map.copyOf(env);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }
}
