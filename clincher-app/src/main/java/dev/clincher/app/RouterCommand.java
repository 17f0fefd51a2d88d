package dev.clincher.app;

import dev.clincher.router.RouterServer;
import dev.clincher.router.RouterSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code clincher router}: the OpenAI-compatible LLM router. Reads LiteLLM's {@code config.yaml} (the seed's runs
 * unchanged); keys and proxies come from the environment ({@code LITELLM_MASTER_KEY}, {@code os.environ/VAR}
 * references, {@code VAR_FILE} secrets, {@code HTTPS_PROXY}/{@code HTTP_PROXY}/{@code NO_PROXY}). SIGHUP re-reads the
 * master key and the metrics token from their files ({@code clincher rotate}); other config changes need a restart.
 */
@Command(name = "router", mixinStandardHelpOptions = true,
    description = "Run the OpenAI-compatible LLM router (a drop-in for LiteLLM's proxy).")
final class RouterCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", required = true,
      description = "LiteLLM config.yaml (model_list, router_settings, litellm_settings, general_settings).")
  Path config;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 in a container).")
  String host;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "4000",
      description = "Port to listen on (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws Exception {
    RouterServer server = RouterServer.start(settings());
    return Services.runUntilStopped(server, server::reloadSecrets);
  }

  RouterSettings settings() {
    return new RouterSettings(host, port, config, System.getenv());
  }
}
