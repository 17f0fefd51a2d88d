package dev.clincher.app;

import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import dev.clincher.router.RouterServer;
import dev.clincher.router.RouterSettings;
import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code clincher up}: the whole stack in one JVM on loopback with embedded defaults — egress (:4750), socket proxy
 * (:2375, when a local dockerd socket exists), router (:4000, model {@code default} from the provider key in the
 * environment, through the egress) and gateway (:18789, agent {@code main}). Config files, the gateway token and the
 * databases live in the state directory.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start the whole stack on loopback with embedded defaults: egress :4750, socket-proxy :2375 "
        + "(when /var/run/docker.sock exists), router :4000, gateway :18789.")
final class UpCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.up");

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where configs, the gateway token and databases are kept (default: ~/.clincher).")
  Path stateDir;

  @Override
  public Integer call() throws Exception {
    Path state = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".clincher");
    Files.createDirectories(state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    List<AutoCloseable> services = new ArrayList<>();
    try {
      EgressServer egress = EgressServer.start(EgressSettings.defaults());
      services.add(egress);
      int socketProxyPort = startSocketProxy(state, services);
      Map<String, String> env = new HashMap<>(System.getenv());
      env.put("LITELLM_MASTER_KEY", UpDefaults.randomHex(32)); // this run only; the gateway's key to the router
      env.put("HTTPS_PROXY", "http://127.0.0.1:" + EgressSettings.DEFAULT_PORT);
      env.put("NO_PROXY", "127.0.0.1,localhost");
      RouterServer router = startRouter(state, env);
      services.add(router);
      Path token = UpDefaults.gatewayToken(state);
      env.put("CLINCHER_GATEWAY_TOKEN_FILE", token.toString());
      Path gatewayConfig = UpDefaults.writePrivate(state.resolve("gateway.yaml"),
          UpDefaults.gatewayConfig(state, router.port(), socketProxyPort, EgressSettings.DEFAULT_PORT));
      GatewayServer gateway = GatewayServer.start(new GatewaySettings(gatewayConfig, Optional.empty(),
          Optional.empty(), env));
      services.add(gateway);
      LOG.atInfo().addKeyValue("web_chat", "http://127.0.0.1:" + gateway.port() + "/")
          .addKeyValue("token_file", token.toString()).log("up.ready");
      System.out.println("Sign in to the web UI (one-time link, 5 minutes): " + gateway.signInLink());
      return Services.runUntilStopped(services, egress::reloadAcl);
    } catch (Exception e) {
      for (int i = services.size() - 1; i >= 0; i--) {
        services.get(i).close();
      }
      throw e;
    }
  }

  private static int startSocketProxy(Path state, List<AutoCloseable> services) throws Exception {
    SocketProxySettings defaults = SocketProxySettings.defaults();
    if (!Files.exists(defaults.dockerSocket())) {
      LOG.atWarn().addKeyValue("docker_socket", defaults.dockerSocket().toString())
          .addKeyValue("hint", "tools will fail until dockerd runs; start it and run clincher up again")
          .log("up.socket_proxy_skipped");
      return SocketProxySettings.DEFAULT_PORT;
    }
    Path policy = UpDefaults.writePrivate(state.resolve("socket-proxy-policy.yaml"), UpDefaults.socketProxyPolicy());
    SocketProxyServer proxy = SocketProxyServer.start(defaults.withPolicyFile(policy)
        .withProfile(SocketProxySettings.Profile.SANDBOX));
    services.add(proxy);
    return proxy.address().getPort();
  }

  private static RouterServer startRouter(Path state, Map<String, String> env) throws Exception {
    if (!UpDefaults.hasProviderKey(env)) {
      LOG.atWarn().addKeyValue("hint", "set ANTHROPIC_API_KEY_FILE or OPENAI_API_KEY_FILE for a hosted model; "
          + "until then model 'default' is a local Ollama at 127.0.0.1:11434").log("up.no_provider_key");
    }
    Path config = UpDefaults.writePrivate(state.resolve("router.yaml"), UpDefaults.routerConfig(state, env));
    return RouterServer.start(new RouterSettings("127.0.0.1", RouterSettings.DEFAULT_PORT, config, env));
  }
}
