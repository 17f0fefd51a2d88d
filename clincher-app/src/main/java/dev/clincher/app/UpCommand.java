package dev.clincher.app;

import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import dev.clincher.router.RouterServer;
import dev.clincher.router.RouterSettings;
import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code clincher up}: the whole stack in one JVM on loopback — egress (:4750), socket proxy (:2375, when a local
 * dockerd socket exists), router (:4000) and gateway (:18789, agent {@code main}) — configured by the user's
 * {@code clincher.yaml} in the state directory ({@link UpConfig}; written once by {@link UpDefaults}, then only
 * read), with model {@code default} from {@link ModelDefault}. Prints {@link UpSummary} when ready; on stop the
 * gateway's sandboxes are removed ({@link SandboxCleanup}), their workspace volumes kept.
 */
@Command(name = "up", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = {"Start the whole stack on loopback: egress :4750, socket-proxy :2375 (when "
        + "/var/run/docker.sock exists), router :4000, gateway :18789 with the web chat.",
        "The first start writes clincher.yaml (a section per service, yours to edit; never rewritten) and the "
            + "secrets gateway-token and router-master-key (mode 0600) into the state directory."},
    footer = {"", "Model providers (model 'default'; the first that applies):",
        "  1. --provider-url URL --model NAME: any OpenAI-compatible server (vLLM, LM Studio, llama.cpp, Ollama, a "
            + "company gateway); its key, if it needs one, from --provider-key-file or "
            + "CLINCHER_PROVIDER_API_KEY_FILE.",
        "  2. a 'model_name: default' in the router section of clincher.yaml.",
        "  3. a provider key: ANTHROPIC_API_KEY_FILE, OPENAI_API_KEY_FILE or GROQ_API_KEY_FILE (a file holding the "
            + "key; the variable without _FILE works too); --model picks the model of the first one.",
        "  4. else a local Ollama at http://127.0.0.1:11434/v1 (model llama3.1, or --model).",
        "",
        "Network: hosted providers are reached through the egress proxy (HTTPS_PROXY=http://127.0.0.1:4750), which "
            + "allows only the hosts in clincher.yaml's egress.acl. Loopback (127.0.0.1, localhost, ::1) and the "
            + "--provider-url host are in NO_PROXY: the router connects to them directly. NO_PROXY from the "
            + "environment is kept and added to.",
        "",
        "Telegram: --telegram-token-file FILE (or " + UpTelegram.TOKEN_VARIABLE + ") runs the bot (pairing: "
            + "approve users with clincher channels approve CODE) and allows api.telegram.org in the egress.",
        "",
        "See docs/up.md."})
final class UpCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.up");
  /** Hosts the router always reaches directly: loopback. */
  static final List<String> LOOPBACK = List.of("127.0.0.1", "localhost", "::1");

  @Spec
  CommandSpec spec;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where clincher.yaml, the secrets and the databases are kept (default: ~/.clincher).")
  Path stateDir;

  @Option(names = "--provider-url", paramLabel = "URL", defaultValue = "${env:CLINCHER_PROVIDER_URL}",
      description = "An OpenAI-compatible server for model 'default', like http://127.0.0.1:8000/v1 (default: "
          + "$CLINCHER_PROVIDER_URL).")
  String providerUrl;

  @Option(names = "--model", paramLabel = "NAME", defaultValue = "${env:CLINCHER_MODEL}",
      description = "The model name the provider serves, as its GET /v1/models lists it (default: $CLINCHER_MODEL).")
  String model;

  @Option(names = "--provider-key-file", paramLabel = "FILE",
      description = "A file holding the key of --provider-url's server (or set CLINCHER_PROVIDER_API_KEY_FILE).")
  Path providerKeyFile;

  @Option(names = "--telegram-token-file", paramLabel = "FILE",
      description = "Run the Telegram bot with the token in FILE, mode 0600 (or set " + UpTelegram.TOKEN_VARIABLE
          + "); see docs/channels.md.")
  Path telegramTokenFile;

  /** The environment up starts from (tests give their own). */
  Map<String, String> environment = System.getenv();

  @Override
  public Integer call() throws Exception {
    ModelDefault.checkOptions(providerUrl, model); // before anything is written
    Path state = stateDirectory();
    if (UpDefaults.writeConfigOnce(state)) {
      LOG.atInfo().addKeyValue("file", state.resolve(UpDefaults.CONFIG_FILE).toString()).log("up.config_written");
    }
    UpConfig config = UpConfig.read(state.resolve(UpDefaults.CONFIG_FILE));
    Map<String, String> env = serviceEnvironment(state);
    ModelDefault modelDefault = ModelDefault.choose(providerUrl, model, config.router(), env);
    env.put("NO_PROXY", noProxy(env.getOrDefault("NO_PROXY", env.get("no_proxy")), modelDefault.directHost()));
    LOG.atInfo().addKeyValue("model_default", modelDefault.description())
        .addKeyValue("no_proxy", env.get("NO_PROXY")).log("up.model_default");
    List<AutoCloseable> services = new ArrayList<>();
    try {
      Running running = start(state, config, modelDefault, env, services);
      PrintWriter out = spec.commandLine().getOut();
      out.print(running.summary().render());
      out.flush();
      return Services.runUntilStopped(services, running.reload());
    } catch (Exception e) {
      for (int i = services.size() - 1; i >= 0; i--) {
        services.get(i).close();
      }
      throw e;
    }
  }

  /**
   * The started stack: what SIGHUP does (the egress allowlist and every service's secret files, the router before the
   * gateway, so a rotated master key is accepted before it is presented) and what to tell the person.
   */
  private record Running(Runnable reload, UpSummary summary) {}

  /** Starts every service in order, adding each to {@code services} (closed in reverse order on stop). */
  private Running start(Path state, UpConfig config, ModelDefault modelDefault, Map<String, String> env,
      List<AutoCloseable> services) throws Exception {
    Path generated = UpConfig.generatedDirectory(state);
    UpTelegram telegram = UpTelegram.choose(telegramTokenFile, env);
    LOG.atInfo().addKeyValue("enabled", telegram.enabled())
        .addKeyValue("token_file", telegram.tokenFile().map(Path::toString).orElse("")).log("up.telegram");
    EgressServer egress = EgressServer.start(egressSettings(config.write(generated, "egress-acl.yaml",
        telegram.applyToEgressAcl(config.egressAcl()))));
    services.add(egress);
    Path dockerSocket = SocketProxySettings.defaults().dockerSocket();
    Optional<SocketProxyServer> socketProxy = Optional.empty();
    if (Files.exists(dockerSocket)) {
      socketProxy = Optional.of(SocketProxyServer.start(SocketProxySettings.defaults()
          .withPolicyFile(config.write(generated, "socket-proxy-policy.yaml", config.socketProxy()))
          .withProfile(SocketProxySettings.Profile.SANDBOX)));
      services.add(socketProxy.get());
    } else {
      LOG.atWarn().addKeyValue("docker_socket", dockerSocket.toString())
          .addKeyValue("hint", "tools will fail until dockerd runs; start it and run clincher up again")
          .log("up.socket_proxy_skipped");
    }
    RouterServer router = RouterServer.start(new RouterSettings("127.0.0.1", RouterSettings.DEFAULT_PORT,
        config.write(generated, "router.yaml", modelDefault.applyTo(config.router())), env));
    services.add(router);
    GatewaySettings gatewaySettings = new GatewaySettings(config.write(generated, "gateway.yaml",
        telegram.applyToGateway(config.gateway())), Optional.empty(), Optional.empty(), env);
    if (socketProxy.isPresent()) {
      services.add(SandboxCleanup.of(gatewaySettings)); // closed after the gateway, before the socket proxy
    }
    GatewayServer gateway = GatewayServer.start(gatewaySettings);
    services.add(gateway);
    LOG.atInfo().addKeyValue("web_chat", "http://127.0.0.1:" + gateway.port() + "/")
        .addKeyValue("token_file", env.get("CLINCHER_GATEWAY_TOKEN_FILE"))
        .addKeyValue("router_key_file", env.get("LITELLM_MASTER_KEY_FILE")).log("up.ready");
    Optional<SocketProxyServer> startedProxy = socketProxy;
    Runnable reload = () -> {
      egress.reload();
      startedProxy.ifPresent(SocketProxyServer::reloadSecrets);
      router.reloadSecrets();
      gateway.reloadSecrets();
    };
    return new Running(reload, new UpSummary(state, gateway.port(), router.port(), egress.address().getPort(),
        socketProxy.map(proxy -> "tcp://127.0.0.1:" + proxy.address().getPort()), modelDefault.description(),
        Optional.of(gateway.signInLink()),
        UpChecks.missing(socketProxy.isPresent() ? Optional.empty() : Optional.of(dockerSocket), modelDefault,
            gatewaySettings)));
  }

  private Path stateDirectory() throws java.io.IOException {
    Path state = stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".clincher");
    Files.createDirectories(state.toAbsolutePath(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return state.toAbsolutePath();
  }

  /**
   * The services' environment: this process's, with the state directory, the secret files (never the values),
   * the egress as the proxy, and the key file of {@code --provider-url}.
   */
  Map<String, String> serviceEnvironment(Path state) throws java.io.IOException {
    Map<String, String> env = new HashMap<>(environment);
    env.put(UpDefaults.STATE_DIR_VARIABLE, state.toString());
    env.remove("LITELLM_MASTER_KEY"); // the saved key, so the router on :4000 can be called with it
    env.put("LITELLM_MASTER_KEY_FILE", UpDefaults.routerKey(state).toString());
    env.remove("CLINCHER_GATEWAY_TOKEN");
    env.put("CLINCHER_GATEWAY_TOKEN_FILE", UpDefaults.gatewayToken(state).toString());
    env.put("HTTPS_PROXY", "http://127.0.0.1:" + EgressSettings.DEFAULT_PORT);
    if (providerKeyFile != null) {
      env.remove(ModelDefault.PROVIDER_KEY_VARIABLE);
      env.put(ModelDefault.PROVIDER_KEY_VARIABLE + "_FILE", providerKeyFile.toAbsolutePath().toString());
    }
    return env;
  }

  /** Loopback, the provider URL's host and the environment's own {@code NO_PROXY} entries, once each. */
  static String noProxy(String inherited, Optional<String> directHost) {
    Set<String> hosts = new LinkedHashSet<>(LOOPBACK);
    directHost.ifPresent(hosts::add);
    if (inherited != null) {
      for (String entry : inherited.split(",")) {
        if (!entry.isBlank()) {
          hosts.add(entry.strip());
        }
      }
    }
    return String.join(",", hosts);
  }

  private static EgressSettings egressSettings(Path acl) {
    EgressSettings d = EgressSettings.defaults();
    return new EgressSettings(d.listenIp(), d.listenPort(), Optional.of(acl), d.denyRanges(), d.allowRanges(),
        d.denyAddresses(), d.allowAddresses(), d.clientRoles(), d.allowPlainHttp(), d.limits(), d.aclPollInterval(),
        d.metricsTokenFile());
  }
}
