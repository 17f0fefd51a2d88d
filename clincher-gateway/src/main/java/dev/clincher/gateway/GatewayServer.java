package dev.clincher.gateway;

import dev.clincher.common.json.JsonMappers;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.ConfigLoader;
import dev.clincher.common.config.Secret;
import dev.clincher.common.config.Secrets;
import dev.clincher.common.health.CheckResult;
import dev.clincher.common.health.Health;
import dev.clincher.common.http.JettyServers;
import dev.clincher.common.http.OpsHandler;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.MetricsAccess;
import dev.clincher.gateway.agent.AgentDefinition;
import dev.clincher.gateway.agent.AgentRunner;
import dev.clincher.gateway.agent.PolicyTools;
import dev.clincher.gateway.agent.RunMetrics;
import dev.clincher.gateway.api.ApiAccess;
import dev.clincher.gateway.api.ChannelsEndpoint;
import dev.clincher.gateway.api.ControlEndpoint;
import dev.clincher.gateway.api.RedactedConfig;
import dev.clincher.gateway.api.GatewayHandler;
import dev.clincher.gateway.api.GatewayWebSocket;
import dev.clincher.gateway.api.WebAssets;
import dev.clincher.gateway.auth.AllowedOrigins;
import dev.clincher.gateway.channel.Channels;
import dev.clincher.gateway.auth.Authenticator;
import dev.clincher.gateway.auth.BearerToken;
import dev.clincher.gateway.auth.BrowserSessions;
import dev.clincher.gateway.auth.ClientAddresses;
import dev.clincher.gateway.auth.FailureLimiter;
import dev.clincher.gateway.auth.WebSocketTickets;
import dev.clincher.gateway.config.ConfigValues;
import dev.clincher.gateway.config.GatewayConfig;
import dev.clincher.gateway.llm.ChatClient;
import dev.clincher.gateway.policy.ToolPolicy;
import dev.clincher.gateway.policy.ToolRules;
import dev.clincher.gateway.sandbox.AgentSandboxes;
import dev.clincher.gateway.sandbox.SandboxImages;
import dev.clincher.gateway.sandbox.SandboxManager;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerHost;
import dev.clincher.gateway.session.AgentRuntime;
import dev.clincher.gateway.session.SessionService;
import dev.clincher.gateway.store.Database;
import dev.clincher.gateway.store.StoreLimits;
import dev.clincher.gateway.store.StoreSettings;
import dev.clincher.gateway.store.Stores;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.web.WebFetchSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the gateway: config → stores → sandbox manager (Docker through {@code DOCKER_HOST}) → tools →
 * tool policy → agents → router client → sessions → HTTP API, WebSocket and web chat behind the authenticator,
 * with health and metrics in front. {@link #close()} drains: readiness fails, runs are stopped with a closing event,
 * the server stops, the database closes.
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway");
  public static final Duration STOP_GRACE = Duration.ofSeconds(20);
  /** Longest system prompt file accepted. */
  static final long MAX_PROMPT_BYTES = 256 * 1024;

  private final Server server;
  private final SessionService sessions;
  private final Database database;
  private final AgentSandboxes sandboxes;
  private final ScheduledExecutorService reaper;
  private final Metrics metrics;
  private final BrowserSessions browsers;
  private final String listenHost;
  private final Channels channels;

  private GatewayServer(Server server, SessionService sessions, Database database, AgentSandboxes sandboxes,
      ScheduledExecutorService reaper, Metrics metrics, BrowserSessions browsers, String listenHost,
      Channels channels) {
    this.channels = channels;
    this.browsers = browsers;
    this.listenHost = listenHost;
    this.server = server;
    this.sessions = sessions;
    this.database = database;
    this.sandboxes = sandboxes;
    this.reaper = reaper;
    this.metrics = metrics;
  }

  /** Reads the config, opens the store, checks the sandboxes and starts listening. */
  public static GatewayServer start(GatewaySettings settings) throws ConfigException, IOException {
    String source = settings.configFile().toString();
    GatewayConfig config = new ConfigLoader(settings.env()).load(settings.configFile(), GatewayConfig.class);
    ObjectMapper json = JsonMappers.newMapper();
    Metrics metrics = Metrics.create("gateway");
    Secret authenticatorToken = gatewayToken(source, config.auth(), settings.env());
    Authenticator authenticator = authenticator(source, config.auth(), authenticatorToken);
    Stores stores = openStores(source, config.storage(), settings.env());
    int interrupted = stores.runs().markInterruptedRuns();
    SandboxSettings sandboxSettings = sandboxSettings(source, config);
    DockerClient docker = new DockerClient(dockerHost(source, config, settings.env()), sandboxSettings.dockerTimeout());
    AgentSandboxes sandboxes = agentSandboxes(source, config, docker, sandboxSettings, metrics);
    sandboxes.managers().forEach(GatewayServer::adoptOrphans);
    SandboxImages images = new SandboxImages(docker,
        sandboxes.managers().stream().map(manager -> manager.settings().image()).toList());
    reportImages(images);
    Map<String, Tool> tools = tools(source, stores, sandboxSettings, config, settings.env());
    Map<String, AgentRuntime> agents = agents(source, config, tools, settings.configFile());
    ChatClient chat = new ChatClient(ChatClient.defaultHttpClient(), URI.create(config.router().url()),
        routerKey(source, config.router(), settings.env()),
        ConfigValues.duration(config.router().timeout(), "router.timeout"), json);
    SessionService sessions = new SessionService(stores.sessions(), stores.runs(), stores.events(), agents,
        new AgentRunner(chat, json, new RunMetrics(metrics)), sandboxes, json);
    Health health = health(config, stores.database(), docker, images);
    ApiAccess access = new ApiAccess(authenticator);
    long maxBody = config.server().maxRequestBytes();
    ControlEndpoint control = new ControlEndpoint(sandboxes, health,
        controlServices(source, config, docker, settings.env(), json), json, Clock.systemUTC());
    Channels channels = Channels.start(source, config.channels(), new Channels.Egress(config.egress().proxy(),
        config.egress().allowDirect()), sessions, stores.channels(), metrics, json, settings.env());
    GatewayHandler api = new GatewayHandler(access, sessions, json, maxBody, control,
        new ChannelsEndpoint(channels, json));
    JettyServers.Options options = JettyServers.Options.defaults(
            settings.host().orElse(config.server().host()), settings.port().orElse(config.server().port()))
        .withMaxRequestBodyBytes(2 * maxBody)
        .withStopTimeout(STOP_GRACE);
    MetricsAccess metricsAccess = MetricsAccess.fromEnvironment(settings.env());
    metricsAccess.requireDistinctFrom(authenticatorToken, "operator token");
    Server server = JettyServers.start(options, jetty -> new OpsHandler(health, metrics, metricsAccess,
        channels.webhookRoute(new WebAssets(GatewayWebSocket.upgradeHandler(jetty, access, sessions, json, api)))),
        health);
    ScheduledExecutorService reaper = startReaper(sandboxes);
    LOG.atInfo().addKeyValue("listen", options.host() + ":" + JettyServers.port(server))
        .addKeyValue("config", source).addKeyValue("agents", agents.keySet())
        .addKeyValue("tools", tools.keySet()).addKeyValue("docker", docker.host().toString())
        .addKeyValue("router", config.router().url()).addKeyValue("metrics", metricsAccess.describe()).addKeyValue("storage", config.storage().url().startsWith("jdbc:sqlite:") ? "sqlite" : "postgresql")
        .addKeyValue("interrupted_runs", interrupted).log("gateway.started");
    return new GatewayServer(server, sessions, stores.database(), sandboxes, reaper, metrics, authenticator.browsers(),
        options.host(), channels);
  }

  public int port() {
    return JettyServers.port(server);
  }

  /**
   * A one-time sign-in link for the web UI (valid {@link BrowserSessions#CODE_TTL}, one use): open it and the
   * browser is signed in without the token. The code is in the URL's fragment, which browsers never send to a
   * server; the page exchanges it at once and removes it from the address bar. Print it for the operator only.
   */
  public String signInLink() {
    String host = listenHost.equals("0.0.0.0") || listenHost.equals("::") ? "127.0.0.1" : listenHost;
    String authority = host.contains(":") ? "[" + host + "]" : host;
    return "http://" + authority + ":" + port() + browsers.mintLinkPath();
  }

  /** The sandboxes of every agent (for tests). */
  public AgentSandboxes sandboxes() {
    return sandboxes;
  }

  @Override
  public void close() {
    reaper.shutdownNow();
    channels.close();
    sessions.close();
    try {
      server.stop();
    } catch (Exception e) {
      LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("gateway.stop.failed");
    } finally {
      database.close();
      metrics.close();
    }
    LOG.atInfo().log("gateway.stopped");
  }

  // --- wiring, one piece per method ------------------------------------------------------------------------------

  private static Secret gatewayToken(String source, GatewayConfig.Auth auth, Map<String, String> env)
      throws ConfigException {
    return secret(source, "auth.token_file", auth.tokenFile(), "CLINCHER_GATEWAY_TOKEN", env)
        .orElseThrow(() -> new ConfigException(source, "auth.token_file",
            "a gateway token is required (auth.token_file or CLINCHER_GATEWAY_TOKEN_FILE)"));
  }

  private static Authenticator authenticator(String source, GatewayConfig.Auth auth, Secret token)
      throws ConfigException {
    FailureLimiter.Limits limits = new FailureLimiter.Limits(auth.maxFailures(),
        ConfigValues.duration(auth.failureWindow(), "auth.failure_window"),
        ConfigValues.duration(auth.lockout(), "auth.lockout"), FailureLimiter.Limits.defaults().maxClients());
    return new Authenticator(BearerToken.of(token, source),
        ClientAddresses.parse(source, "auth.trusted_proxies", auth.trustedProxies()),
        AllowedOrigins.parse(source, "auth.allowed_origins", auth.allowedOrigins(), false),
        new FailureLimiter(limits, Clock.systemUTC()),
        new WebSocketTickets(Clock.systemUTC(), WebSocketTickets.DEFAULT_TTL, 10_000),
        new BrowserSessions(Clock.systemUTC(), BrowserSessions.SESSION_TTL, BrowserSessions.CODE_TTL));
  }

  /** A secret from the file named in the config, else from {@code VAR} / {@code VAR_FILE} in the environment. */
  static Optional<Secret> secret(String source, String key, String file, String variable, Map<String, String> env)
      throws ConfigException {
    if (file != null && !file.isBlank()) {
      return Optional.of(Secret.of(Secrets.readSecretFile(Path.of(file))));
    }
    return Secrets.fromEnv(variable, env).map(Secret::of);
  }

  private static Secret routerKey(String source, GatewayConfig.Router router, Map<String, String> env)
      throws ConfigException {
    return secret(source, "router.api_key_file", router.apiKeyFile(), "LITELLM_MASTER_KEY", env)
        .orElseThrow(() -> new ConfigException(source, "router.api_key_file",
            "a router key is required (router.api_key_file or LITELLM_MASTER_KEY_FILE)"));
  }

  private static Stores openStores(String source, GatewayConfig.Storage storage, Map<String, String> env)
      throws ConfigException {
    Secret password = secret(source, "storage.password_file", storage.passwordFile(), "CLINCHER_GATEWAY_DB_PASSWORD",
        env).orElse(null);
    boolean sqlite = storage.url().startsWith("jdbc:sqlite:");
    StoreSettings settings = new StoreSettings(storage.url(), sqlite ? null : storage.user(),
        sqlite ? null : password, null, sqlite ? 4 : 8, StoreLimits.DEFAULTS,
        StoreSettings.SqliteSync.valueOf(storage.sqliteSync().toUpperCase(java.util.Locale.ROOT)));
    try {
      return Stores.open(settings);
    } catch (RuntimeException e) {
      throw new ConfigException(source, "storage.url", "the transcript store could not be opened ("
          + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    }
  }

  /** The sandbox settings of a gateway config (for {@code clincher sandbox}). */
  public static SandboxSettings sandboxSettings(GatewaySettings settings) throws ConfigException {
    GatewayConfig config = new ConfigLoader(settings.env()).load(settings.configFile(), GatewayConfig.class);
    return sandboxSettings(settings.configFile().toString(), config);
  }

  /** The Docker host of a gateway config: {@code docker.host}, else {@code DOCKER_HOST}. */
  public static DockerHost dockerHost(GatewaySettings settings) throws ConfigException {
    GatewayConfig config = new ConfigLoader(settings.env()).load(settings.configFile(), GatewayConfig.class);
    return dockerHost(settings.configFile().toString(), config, settings.env());
  }

  private static SandboxSettings sandboxSettings(String source, GatewayConfig config) throws ConfigException {
    try {
      return config.sandbox().toSettings(config.tools().exec());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source, "sandbox", e.getMessage());
    }
  }

  private static DockerHost dockerHost(String source, GatewayConfig config, Map<String, String> env)
      throws ConfigException {
    String host = config.docker().host();
    if (host == null || host.isBlank()) {
      host = env.getOrDefault("DOCKER_HOST", "tcp://127.0.0.1:2375");
    }
    try {
      return DockerHost.parse(host);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source, "docker.host", e.getMessage());
    }
  }

  /** The gateway's sandbox manager, and one per agent that sets its own sandbox settings. */
  private static AgentSandboxes agentSandboxes(String source, GatewayConfig config, DockerClient docker,
      SandboxSettings shared, Metrics metrics) throws ConfigException {
    Map<String, SandboxManager> byAgent = new LinkedHashMap<>();
    for (var entry : config.agents().entrySet()) {
      GatewayConfig.SandboxOverride override = entry.getValue().sandbox();
      if (!override.isEmpty()) {
        try {
          SandboxSettings own = override.applyTo(config.sandbox(), entry.getKey()).toSettings(config.tools().exec());
          byAgent.put(entry.getKey(), new SandboxManager(docker, own, Clock.systemUTC(), metrics.registry()));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(source, "agents." + entry.getKey() + ".sandbox", e.getMessage());
        }
      }
    }
    AgentSandboxes sandboxes =
        new AgentSandboxes(new SandboxManager(docker, shared, Clock.systemUTC(), metrics.registry()), byAgent);
    sandboxes.bindMetrics(metrics.registry());
    return sandboxes;
  }

  private static void adoptOrphans(SandboxManager sandboxes) {
    try {
      int adopted = sandboxes.adoptOrphans();
      LOG.atInfo().addKeyValue("adopted", adopted).log("gateway.sandboxes.adopted");
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.atWarn().addKeyValue("exception", e.getClass().getName()).addKeyValue("message", e.getMessage())
          .log("gateway.sandboxes.unreachable");
    }
  }

  /** A missing sandbox image does not stop the start (the agents can still chat); it is said, with its fix. */
  private static void reportImages(SandboxImages images) {
    for (SandboxImages.Check check : images.check()) {
      switch (check.presence()) {
        case MISSING -> LOG.atWarn().addKeyValue("image", check.image())
            .addKeyValue("build", SandboxImages.buildCommand(check.image()))
            .addKeyValue("without_repository", SandboxImages.dockerBuildCommand(check.image()))
            .addKeyValue("effect", "tool calls fail until it is built; chat works")
            .log("gateway.sandbox.image_missing");
        case UNKNOWN -> LOG.atWarn().addKeyValue("image", check.image()).addKeyValue("reason", check.reason())
            .log("gateway.sandbox.image_unchecked");
        case PRESENT -> { }
      }
    }
  }

  private static Map<String, Tool> tools(String source, Stores stores, SandboxSettings sandbox,
      GatewayConfig config, Map<String, String> env) throws ConfigException {
    Embedder embedder = OnnxEmbedder.loadedOnFirstUse(); // about 1 s and 90 MB, only if memory tools are used
    return BuiltInTools.all(sandbox, webFetchSettings(source, config, env), stores, embedder);
  }

  /** web_fetch goes out only through the egress proxy: {@code egress.proxy}, else HTTPS_PROXY / HTTP_PROXY. */
  private static WebFetchSettings webFetchSettings(String source, GatewayConfig config, Map<String, String> env)
      throws ConfigException {
    Map<String, String> proxyEnv = new java.util.HashMap<>();
    String configured = config.egress().proxy();
    for (String name : List.of("HTTPS_PROXY", "HTTP_PROXY")) {
      String value = configured != null && !configured.isBlank() ? configured
          : env.getOrDefault(name, env.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), ""));
      if (!value.isBlank()) {
        proxyEnv.put(name, value);
      }
    }
    WebFetchSettings base = WebFetchSettings.fromEnv(proxyEnv);
    GatewayConfig.WebFetch limits = config.tools().webFetch();
    try {
      return new WebFetchSettings(base.httpProxy(), base.httpsProxy(), config.egress().allowDirect(),
          (int) ConfigValues.bytes(limits.maxBytes(), "tools.web_fetch.max_bytes"), base.defaultMaxChars(),
          base.maxChars(), ConfigValues.duration(limits.timeout(), "tools.web_fetch.timeout"), limits.maxRedirects());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source, "tools.web_fetch", e.getMessage());
    }
  }

  private static Map<String, AgentRuntime> agents(String source, GatewayConfig config, Map<String, Tool> tools,
      Path configFile) throws ConfigException {
    Map<String, ToolRules> rules = new LinkedHashMap<>();
    for (var entry : config.agents().entrySet()) {
      GatewayConfig.ToolPolicy policy = entry.getValue().tools();
      rules.put(entry.getKey(), ToolRules.parse(source, "agents." + entry.getKey() + ".tools", policy.allow(),
          policy.deny()));
    }
    ToolPolicy policy = new ToolPolicy(tools.keySet(), ToolRules.gateway(source, "tools.deny",
        config.tools().deny().isEmpty() ? null : withDangerous(config.tools().deny())), rules, ToolRules.defaults());
    Map<String, AgentRuntime> agents = new LinkedHashMap<>();
    for (var entry : config.agents().entrySet()) {
      String name = entry.getKey();
      GatewayConfig.Agent agent = entry.getValue();
      String key = "agents." + name;
      try {
        AgentDefinition definition = new AgentDefinition(name, agent.model(),
            systemPrompt(source, key, agent, configFile), agent.maxSteps(),
            ConfigValues.duration(agent.runTimeout(), key + ".run_timeout"), agent.maxOutputTokens(),
            agent.contextTokens(), agent.maxToolResultChars());
        agents.put(name, new AgentRuntime(definition, new PolicyTools(name, policy, tools)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(source, key, e.getMessage());
      }
    }
    return agents;
  }

  /** The configured gateway deny list always keeps the seed's dangerous names. */
  private static List<String> withDangerous(List<String> deny) {
    List<String> all = new ArrayList<>(ToolRules.DANGEROUS);
    all.addAll(deny);
    return all;
  }

  private static String systemPrompt(String source, String key, GatewayConfig.Agent agent, Path configFile)
      throws ConfigException {
    if (agent.systemPromptFile() == null) {
      return agent.systemPrompt() == null ? "You are a helpful assistant." : agent.systemPrompt();
    }
    Path file = Path.of(agent.systemPromptFile());
    if (!file.isAbsolute() && configFile.getParent() != null) {
      file = configFile.getParent().resolve(file);
    }
    try {
      if (Files.size(file) > MAX_PROMPT_BYTES) {
        throw new ConfigException(source, key + ".system_prompt_file", "larger than " + MAX_PROMPT_BYTES + " bytes");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(source, key + ".system_prompt_file", "cannot be read (" + e.getClass().getSimpleName()
          + ")");
    }
  }

  /** Where the control pages find the other services, and the redacted effective config. */
  private static ControlEndpoint.Services controlServices(String source, GatewayConfig config, DockerClient docker,
      Map<String, String> env, ObjectMapper json) throws ConfigException {
    String proxyHost = docker.host().host() != null && docker.host().host().contains(":")
        ? "[" + docker.host().host() + "]" : docker.host().host();
    Optional<URI> socketProxy = docker.host().unix() ? Optional.empty()
        : Optional.of(URI.create("http://" + proxyHost + ":" + docker.host().port()));
    String egress = config.egress().proxy();
    if (egress == null || egress.isBlank()) {
      egress = env.getOrDefault("HTTPS_PROXY", env.getOrDefault("https_proxy", ""));
    }
    Optional<URI> egressUrl = egress.isBlank() ? Optional.empty() : Optional.of(URI.create(egress));
    return new ControlEndpoint.Services(URI.create(config.router().url()), routerKey(source, config.router(), env),
        socketProxy, egressUrl, RedactedConfig.of(config, json));
  }

  private static Health health(GatewayConfig config, Database database, DockerClient docker,
      SandboxImages images) {
    Health health = new Health();
    health.addReadinessCheck("storage", () -> database.ping() ? CheckResult.up("reachable")
        : CheckResult.down("the transcript store does not answer"));
    health.addReadinessCheck("docker", () -> dockerUp(docker, images));
    HttpClient http = ChatClient.defaultHttpClient();
    URI routerHealth = URI.create(config.router().url()).resolve("/health/liveliness");
    health.addReadinessCheck("router", () -> routerUp(http, routerHealth));
    return health;
  }

  /** Docker answers; a missing sandbox image keeps it ready (chat works) but is named in the detail. */
  private static CheckResult dockerUp(DockerClient docker, SandboxImages images) {
    if (!docker.ping()) {
      return CheckResult.down("the Docker API (socket proxy) does not answer");
    }
    StringBuilder detail = new StringBuilder(docker.host().toString());
    images.missing().forEach(image -> detail.append("; ").append(SandboxImages.missingMessage(image)));
    return CheckResult.up(detail.toString());
  }

  private static CheckResult routerUp(HttpClient http, URI uri) {
    try {
      HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200 ? CheckResult.up("HTTP 200")
          : CheckResult.down("the router answered HTTP " + response.statusCode());
    } catch (IOException e) {
      return CheckResult.down("the router is unreachable (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CheckResult.down("interrupted");
    }
  }

  private static ScheduledExecutorService startReaper(AgentSandboxes agentSandboxes) {
    ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("clincher-sandbox-reaper").daemon().factory());
    reaper.scheduleWithFixedDelay(() -> {
      for (SandboxManager sandboxes : agentSandboxes.managers()) {
        try {
          List<String> removed = sandboxes.reap();
          if (!removed.isEmpty()) {
            LOG.atInfo().addKeyValue("removed", removed.size()).log("gateway.sandboxes.reaped");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("gateway.sandboxes.reap_failed");
        }
      }
    }, 1, 1, TimeUnit.MINUTES);
    return reaper;
  }
}
