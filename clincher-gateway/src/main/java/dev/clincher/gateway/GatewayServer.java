package dev.clincher.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.ConfigLoader;
import dev.clincher.common.config.Secret;
import dev.clincher.common.health.Health;
import dev.clincher.common.http.JettyServers;
import dev.clincher.common.json.JsonMappers;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.metrics.MetricsAccess;
import dev.clincher.gateway.agent.AgentRunner;
import dev.clincher.gateway.agent.RunMetrics;
import dev.clincher.gateway.api.ControlEndpoint;
import dev.clincher.gateway.api.GatewayHttp;
import dev.clincher.gateway.api.ReadinessChecks;
import dev.clincher.gateway.api.RedactedConfig;
import dev.clincher.gateway.channel.Channels;
import dev.clincher.gateway.auth.Authenticator;
import dev.clincher.gateway.auth.BrowserSessions;
import dev.clincher.gateway.config.AgentDefinitions;
import dev.clincher.gateway.config.GatewayConfig;
import dev.clincher.gateway.config.GatewaySecrets;
import dev.clincher.gateway.config.ProxyEnvironment;
import dev.clincher.gateway.config.ToolPolicies;
import dev.clincher.gateway.llm.ChatClient;
import dev.clincher.gateway.policy.ToolPolicy;
import dev.clincher.gateway.sandbox.AgentSandboxes;
import dev.clincher.gateway.sandbox.SandboxImages;
import dev.clincher.gateway.sandbox.SandboxReaper;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.SandboxStartup;
import dev.clincher.gateway.sandbox.SessionSandboxes;
import dev.clincher.gateway.sandbox.kubernetes.KubernetesBackend;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerHost;
import dev.clincher.gateway.session.AgentRuntime;
import dev.clincher.gateway.session.SessionService;
import dev.clincher.gateway.store.Database;
import dev.clincher.gateway.store.DeadInstanceSweep;
import dev.clincher.gateway.store.StoreSettings;
import dev.clincher.gateway.store.Stores;
import dev.clincher.gateway.tools.Tool;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  private final Server server;
  private final SessionService sessions;
  private final Database database;
  private final AgentSandboxes sandboxes;
  private final SandboxReaper reaper;
  private final DeadInstanceSweep deadInstances;
  private final Metrics metrics;
  private final BrowserSessions browsers;
  private final String listenHost;
  private final Channels channels;
  private final GatewaySecrets secrets;
  private final MetricsAccess metricsAccess;
  /** The Kubernetes sandbox backend, or null with the Docker one. */
  private final KubernetesBackend pods;

  private GatewayServer(Server server, SessionService sessions, Database database, AgentSandboxes sandboxes,
      SandboxReaper reaper, DeadInstanceSweep deadInstances, Metrics metrics, BrowserSessions browsers,
      String listenHost, Channels channels, GatewaySecrets secrets, MetricsAccess metricsAccess, KubernetesBackend pods) {
    this.channels = channels;
    this.secrets = secrets;
    this.metricsAccess = metricsAccess;
    this.pods = pods;
    this.server = server;
    this.sessions = sessions;
    this.database = database;
    this.sandboxes = sandboxes;
    this.reaper = reaper;
    this.deadInstances = deadInstances;
    this.metrics = metrics;
    this.browsers = browsers;
    this.listenHost = listenHost;
  }

  /** Reads the config, opens the store, checks the sandboxes and starts listening. */
  public static GatewayServer start(GatewaySettings settings) throws ConfigException, IOException {
    String source = settings.configFile().toString();
    Map<String, String> env = settings.env();
    GatewayConfig config = load(settings);
    GatewaySecrets secrets = GatewaySecrets.read(source, config, env);
    MetricsAccess metricsAccess = MetricsAccess.fromEnvironment(env, config.auth().rotationGrace().value());
    metricsAccess.requireDistinctFrom(secrets.gatewayToken().current(), "operator token");
    Authenticator authenticator = config.auth().toAuthenticator(source, secrets.gatewayToken(), Clock.systemUTC());
    ObjectMapper json = JsonMappers.newMapper();
    Metrics metrics = Metrics.create("gateway");

    Stores stores = openStores(source, config.storage(), secrets.databasePassword());
    int interrupted = stores.runs().markInterruptedRuns();

    SandboxSettings sandboxSettings = config.sandboxSettings(source);
    DockerClient docker = new DockerClient(config.docker().toDockerHost(source, env), sandboxSettings.dockerTimeout());
    AgentSandboxes sandboxes = AgentSandboxes.create(docker, sandboxSettings, config.agentSandboxSettings(source),
        Clock.systemUTC(), metrics.registry(), stores.sandboxSlots());
    // sandbox.backend: kubernetes makes the session's sandboxes pods (docs/scaling.md); docker is the default.
    KubernetesBackend pods = kubernetesBackend(source, config, sandboxSettings);
    SessionSandboxes sessionSandboxes = pods == null ? sandboxes : pods.sandboxes();
    SandboxImages images = pods == null ? SandboxStartup.adoptOrphansAndCheckImages(sandboxes, docker)
        : new SandboxImages(docker, java.util.List.of());

    Map<String, Tool> tools = BuiltInTools.all(sandboxSettings, ProxyEnvironment.webFetchSettings(source, config, env),
        stores.notes(), stores.sessions(), stores.events(),
        OnnxEmbedder.loadedOnFirstUse()); // the embedder loads (about 1 s, 90 MB) only if memory tools are used
    ToolPolicy policy = ToolPolicies.of(source, config, tools.keySet());
    Map<String, AgentRuntime> agents =
        AgentRuntime.all(AgentDefinitions.read(source, config, settings.configFile()), policy, tools);
    URI router = URI.create(config.router().url());
    ChatClient chat = new ChatClient(router, secrets.routerKey()::current,
        config.router().timeout().value(), json);
    SessionService sessions = new SessionService(stores.sessions(), stores.runs(), stores.events(), agents,
        new AgentRunner(chat, json, new RunMetrics(metrics)), sessionSandboxes, json);

    Health health = pods == null ? ReadinessChecks.of(stores.database(), docker, images, router)
        : ReadinessChecks.of(stores.database(), "sandboxes", pods::readiness, router);
    ControlEndpoint control = new ControlEndpoint(sandboxes, health, new ControlEndpoint.Services(router,
        secrets.routerKey(), docker.host().httpUrl(), ProxyEnvironment.egressUrl(config, env),
        RedactedConfig.of(config, json)), json, Clock.systemUTC());
    Channels channels = Channels.start(source, config.channels(), new Channels.Egress(config.egress().proxy(),
        config.egress().allowDirect()), sessions, stores.channels(), metrics, json, env);
    channels.addReadinessCheck(health);
    JettyServers.Options listen = JettyServers.Options.defaults(settings.host().orElse(config.server().host()),
        settings.port().orElse(config.server().port())).withStopTimeout(STOP_GRACE);
    Server server = new GatewayHttp(authenticator, sessions, control, channels, json,
        config.server().maxRequestBytes()).start(listen, health, metrics, metricsAccess);
    SandboxReaper reaper = SandboxReaper.start(sandboxes);
    DeadInstanceSweep deadInstances = DeadInstanceSweep.start(stores.runs());

    LOG.atInfo().addKeyValue("listen", listen.host() + ":" + JettyServers.port(server))
        .addKeyValue("config", source).addKeyValue("agents", agents.keySet())
        .addKeyValue("tools", tools.keySet()).addKeyValue("docker", docker.host().toString())
        .addKeyValue("router", config.router().url()).addKeyValue("metrics", metricsAccess.describe())
        .addKeyValue("storage", config.storage().sqlite() ? "sqlite" : "postgresql")
        .addKeyValue("interrupted_runs", interrupted).log("gateway.started");
    return new GatewayServer(server, sessions, stores.database(), sandboxes, reaper, deadInstances, metrics,
        authenticator.browsers(), listen.host(), channels, secrets, metricsAccess, pods);
  }

  public int port() {
    return JettyServers.port(server);
  }

  /**
   * Re-reads the secret files (SIGHUP, after {@code clincher rotate}): the operator token (the old one works for
   * {@code auth.rotation_grace}), the router key (used from the next model call on) and the metrics token. Open
   * requests and streams are not touched. Each secret's outcome is logged once.
   */
  public List<RotatingSecret.Reload> reloadSecrets() {
    List<RotatingSecret.Reload> reloads = new java.util.ArrayList<>(secrets.reload());
    metricsAccess.reload().ifPresent(reloads::add);
    return List.copyOf(reloads);
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
    reaper.close();
    deadInstances.close();
    if (pods != null) {
      pods.close();
    }
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

  /**
   * The Kubernetes sandbox backend when {@code sandbox.backend} is {@code kubernetes}, else null. Agents' own sandbox
   * settings are a Docker-backend feature for now: with Kubernetes they fail the start, naming the key.
   */
  private static KubernetesBackend kubernetesBackend(String source, GatewayConfig config, SandboxSettings settings)
      throws ConfigException {
    if (!config.sandbox().backend().equals(GatewayConfig.Sandbox.KUBERNETES)) {
      return null;
    }
    for (var agent : config.agents().entrySet()) {
      if (!agent.getValue().sandbox().isEmpty()) {
        throw new ConfigException(source, "agents." + agent.getKey() + ".sandbox",
            "an agent's own sandbox settings are not supported with sandbox.backend kubernetes");
      }
    }
    return KubernetesBackend.start(settings, config.sandbox().kubernetes().toSettings());
  }

  /** The sandbox settings of a gateway config (for {@code clincher sandbox}). */
  public static SandboxSettings sandboxSettings(GatewaySettings settings) throws ConfigException {
    return load(settings).sandboxSettings(settings.configFile().toString());
  }

  /** The Docker host of a gateway config: {@code docker.host}, else {@code DOCKER_HOST}. */
  public static DockerHost dockerHost(GatewaySettings settings) throws ConfigException {
    return load(settings).docker().toDockerHost(settings.configFile().toString(), settings.env());
  }

  private static GatewayConfig load(GatewaySettings settings) throws ConfigException {
    return new ConfigLoader(settings.env()).load(settings.configFile(), GatewayConfig.class);
  }

  private static Stores openStores(String source, GatewayConfig.Storage storage, Optional<Secret> password)
      throws ConfigException {
    StoreSettings settings = storage.toStoreSettings(password);
    try {
      return Stores.open(settings);
    } catch (RuntimeException e) {
      throw new ConfigException(source, "storage.url", "the transcript store could not be opened ("
          + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    }
  }
}
