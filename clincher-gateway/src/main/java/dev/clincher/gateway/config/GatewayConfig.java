package dev.clincher.gateway.config;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.config.Secret;
import dev.clincher.gateway.auth.AllowedOrigins;
import dev.clincher.gateway.auth.Authenticator;
import dev.clincher.gateway.auth.BearerToken;
import dev.clincher.gateway.auth.BrowserSessions;
import dev.clincher.gateway.auth.ClientAddresses;
import dev.clincher.gateway.auth.FailureLimiter;
import dev.clincher.gateway.auth.WebSocketTickets;
import dev.clincher.gateway.channel.ChannelsConfig;
import dev.clincher.gateway.policy.ToolRules;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.docker.DockerHost;
import dev.clincher.gateway.sandbox.kubernetes.KubernetesSettings;
import dev.clincher.gateway.store.StoreLimits;
import dev.clincher.gateway.store.StoreSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's YAML config ({@code clincher gateway --config FILE}); every section has defaults, unknown keys fail.
 * See {@code docs/gateway.md} for every key.
 */
public record GatewayConfig(Server server, Auth auth, Router router, Storage storage, Docker docker,
    Egress egress, Sandbox sandbox, Tools tools, Map<String, Agent> agents, ChannelsConfig channels) {

  public GatewayConfig {
    server = server == null ? new Server(null, null, null) : server;
    auth = auth == null ? new Auth(null, null, null, null, null, null, null) : auth;
    router = router == null ? new Router(null, null, null) : router;
    storage = storage == null ? new Storage(null, null, null, null) : storage;
    docker = docker == null ? new Docker(null) : docker;
    egress = egress == null ? new Egress(null, null) : egress;
    sandbox = sandbox == null ? Sandbox.DEFAULTS : sandbox;
    tools = tools == null ? new Tools(null, null, null) : tools;
    agents = agents == null ? Map.of() : new LinkedHashMap<>(agents);
    channels = channels == null ? ChannelsConfig.NONE : channels;
    if (agents.isEmpty()) {
      throw new IllegalArgumentException("agents: at least one agent is required");
    }
  }

  /** The sandbox manager's settings of the {@code sandbox} section, with the exec limits of {@code tools.exec}. */
  public SandboxSettings sandboxSettings(String source) throws ConfigException {
    try {
      return sandbox.toSettings(tools.exec());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source, "sandbox", e.getMessage());
    }
  }

  /** The own sandbox settings of every agent that sets any ({@code agents.NAME.sandbox}), by agent. */
  public Map<String, SandboxSettings> agentSandboxSettings(String source) throws ConfigException {
    Map<String, SandboxSettings> byAgent = new LinkedHashMap<>();
    for (var entry : agents.entrySet()) {
      SandboxOverride override = entry.getValue().sandbox();
      if (!override.isEmpty()) {
        try {
          byAgent.put(entry.getKey(), override.applyTo(sandbox, entry.getKey()).toSettings(tools.exec()));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(source, "agents." + entry.getKey() + ".sandbox", e.getMessage());
        }
      }
    }
    return byAgent;
  }

  /** Where the API listens. */
  public record Server(String host, Integer port, Long maxRequestBytes) {
    public Server {
      host = host == null ? "127.0.0.1" : host;
      port = port == null ? 18789 : port;
      maxRequestBytes = maxRequestBytes == null ? 1024 * 1024L : maxRequestBytes;
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535");
      }
    }
  }

  /**
   * Who may call the API. The token is read from {@code token_file} (or the {@code CLINCHER_GATEWAY_TOKEN_FILE}
   * variable); it is never accepted inline in the config. SIGHUP re-reads it (and the metrics token); a replaced value
   * keeps working for {@code rotation_grace} (default 1h).
   */
  public record Auth(String tokenFile, List<String> trustedProxies, List<String> allowedOrigins, Integer maxFailures,
      ConfigDuration failureWindow, ConfigDuration lockout, ConfigDuration rotationGrace) {
    public Auth {
      trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
      allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
      maxFailures = maxFailures == null ? 10 : maxFailures;
      failureWindow = failureWindow == null ? ConfigDuration.parse("60s") : failureWindow;
      lockout = lockout == null ? ConfigDuration.parse("5m") : lockout;
      rotationGrace = rotationGrace == null ? ConfigDuration.parse("1h") : rotationGrace;
    }

    /** The authenticator for {@code token}, checking its strength, the proxy blocks and the origins. */
    public Authenticator toAuthenticator(String source, RotatingSecret token, Clock clock) throws ConfigException {
      FailureLimiter.Limits limits = new FailureLimiter.Limits(maxFailures, failureWindow.value(), lockout.value(),
          FailureLimiter.Limits.defaults().maxClients());
      return new Authenticator(BearerToken.of(token, source),
          ClientAddresses.parse(source, "auth.trusted_proxies", trustedProxies),
          AllowedOrigins.parse(source, "auth.allowed_origins", allowedOrigins, false),
          new FailureLimiter(limits, clock),
          new WebSocketTickets(clock, WebSocketTickets.DEFAULT_TTL, 10_000),
          new BrowserSessions(clock, BrowserSessions.SESSION_TTL, BrowserSessions.CODE_TTL));
    }
  }

  /** The OpenAI-compatible router the agents call; the key from {@code api_key_file} or {@code LITELLM_MASTER_KEY}. */
  public record Router(String url, String apiKeyFile, ConfigDuration timeout) {
    public Router {
      url = url == null ? "http://127.0.0.1:4000" : url;
      timeout = timeout == null ? ConfigDuration.parse("300s") : timeout;
      if (timeout.value().compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("timeout must be at least 1s (it bounds the wait for each part of a "
            + "model's answer)");
      }
    }
  }

  /** The transcript database: SQLite by default, PostgreSQL when the URL says so. */
  public record Storage(String url, String user, String passwordFile, String sqliteSync) {
    public Storage {
      url = url == null ? "jdbc:sqlite:clincher-gateway.db" : url;
      sqliteSync = sqliteSync == null ? "full" : sqliteSync;
      if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("url must start with jdbc:sqlite: or jdbc:postgresql:");
      }
      if (!java.util.List.of("full", "normal").contains(sqliteSync)) {
        throw new IllegalArgumentException("sqlite_sync must be full or normal");
      }
    }

    public boolean sqlite() {
      return url.startsWith("jdbc:sqlite:");
    }

    /** The store's settings; PostgreSQL gets the user and {@code password}, SQLite neither. */
    public StoreSettings toStoreSettings(Optional<Secret> password) {
      return new StoreSettings(url, sqlite() ? null : user, sqlite() ? null : password.orElse(null), null,
          sqlite() ? 4 : 8, StoreLimits.DEFAULTS, StoreSettings.SqliteSync.valueOf(sqliteSync.toUpperCase(Locale.ROOT)));
    }
  }

  /** The Docker API for sandboxes: the socket proxy in production ({@code DOCKER_HOST} when unset). */
  public record Docker(String host) {
    /** {@code docker.host}, else {@code DOCKER_HOST}, else the socket proxy on loopback. */
    public DockerHost toDockerHost(String source, Map<String, String> env) throws ConfigException {
      String value = host == null || host.isBlank() ? env.getOrDefault("DOCKER_HOST", "tcp://127.0.0.1:2375") : host;
      try {
        return DockerHost.parse(value);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(source, "docker.host", e.getMessage());
      }
    }
  }

  /** The egress proxy for {@code web_fetch} ({@code HTTPS_PROXY} when unset). */
  public record Egress(String proxy, Boolean allowDirect) {
    public Egress {
      allowDirect = allowDirect != null && allowDirect;
    }
  }

  /**
   * Sandbox container settings (see {@code docs/gateway.md}; {@code clincher sandbox explain} prints the effective
   * values). Gateway-wide: every agent's sandboxes are made the same way.
   */
  public record Sandbox(String image, String scope, String user, ConfigSize memory, ConfigSize memorySwap, Double cpus,
      Integer pids, Integer nofile, ConfigSize tmpSize, String volumePrefix, ConfigDuration idleTimeout,
      ConfigDuration maxAge, Integer maxSandboxes, String instance, ConfigDuration dockerTimeout, String backend,
      KubernetesSandbox kubernetes) {
    public static final Sandbox DEFAULTS = new Sandbox(null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null);
    /** Sandboxes as containers through the Docker API (the socket proxy): the default. */
    public static final String DOCKER = "docker";
    /** Sandboxes as pods through the Kubernetes API ({@code sandbox.kubernetes}, docs/scaling.md). */
    public static final String KUBERNETES = "kubernetes";

    public Sandbox {
      SandboxSettings base = SandboxSettings.defaults();
      image = image == null ? base.image() : image;
      scope = scope == null ? "session" : scope;
      user = user == null ? base.user() : user;
      memory = memory == null ? ConfigSize.parse("1g") : memory;
      memorySwap = memorySwap == null ? swapFor(memory) : memorySwap;
      cpus = cpus == null ? 1.0 : cpus;
      pids = pids == null ? base.pidsLimit() : pids;
      nofile = nofile == null ? base.nofile() : nofile;
      tmpSize = tmpSize == null ? ConfigSize.parse("256m") : tmpSize;
      volumePrefix = volumePrefix == null ? base.volumePrefix() : volumePrefix;
      idleTimeout = idleTimeout == null ? ConfigDuration.parse("12h") : idleTimeout;
      maxAge = maxAge == null ? ConfigDuration.parse("3d") : maxAge;
      maxSandboxes = maxSandboxes == null ? base.maxSandboxes() : maxSandboxes;
      instance = instance == null ? base.instance() : instance;
      dockerTimeout = dockerTimeout == null ? ConfigDuration.parse("30s") : dockerTimeout;
      backend = backend == null ? DOCKER : backend;
      kubernetes = kubernetes == null ? new KubernetesSandbox(null, null, null, null) : kubernetes;
      if (!List.of(DOCKER, KUBERNETES).contains(backend)) {
        throw new IllegalArgumentException("backend must be docker or kubernetes, got '" + backend + "'");
      }
      if (!List.of("session", "agent", "shared").contains(scope)) {
        throw new IllegalArgumentException("scope must be session, agent or shared");
      }
      if (cpus <= 0 || cpus > 64) {
        throw new IllegalArgumentException("cpus must be between 0 and 64");
      }
    }

    /** Memory plus swap when only {@code memory} is set: one and a half times the memory, as the seed sets it. */
    static ConfigSize swapFor(ConfigSize memory) {
      return ConfigSize.ofBytes(memory.bytes() * 3 / 2);
    }

    /** The sandbox manager's settings, with the exec limits of {@code tools.exec}. */
    public SandboxSettings toSettings(Exec exec) {
      return new SandboxSettings(image, SandboxSettings.Scope.parse(scope), user, memory.bytes(), memorySwap.bytes(),
          Math.round(cpus * 1_000_000_000L), pids, nofile, tmpSize.bytes(), volumePrefix, idleTimeout.value(),
          maxAge.value(), maxSandboxes, exec.timeout().value(), exec.maxTimeout().value(),
          exec.maxOutput().bytesAsInt(), instance, dockerTimeout.value());
    }
  }

  /** Where sandbox pods go ({@code sandbox.kubernetes}; used with {@code sandbox.backend: kubernetes}). */
  public record KubernetesSandbox(String namespace, String runtimeClass, ConfigDuration startTimeout,
      ConfigDuration apiTimeout) {
    public KubernetesSandbox {
      KubernetesSettings base = KubernetesSettings.defaults();
      namespace = namespace == null ? base.namespace() : namespace;
      runtimeClass = runtimeClass == null ? base.runtimeClass() : runtimeClass;
      startTimeout = startTimeout == null ? ConfigDuration.parse("120s") : startTimeout;
      apiTimeout = apiTimeout == null ? ConfigDuration.parse("30s") : apiTimeout;
      new KubernetesSettings(namespace, runtimeClass, startTimeout.value(), apiTimeout.value()); // validates
    }

    public KubernetesSettings toSettings() {
      return new KubernetesSettings(namespace, runtimeClass, startTimeout.value(), apiTimeout.value());
    }
  }

  /** Gateway-wide tool settings: a deny list no agent can loosen, and per-tool limits. */
  public record Tools(List<String> deny, Exec exec, WebFetch webFetch) {
    public Tools {
      deny = deny == null ? List.of() : List.copyOf(deny);
      exec = exec == null ? new Exec(null, null, null) : exec;
      webFetch = webFetch == null ? new WebFetch(null, null, null) : webFetch;
    }
  }

  /** Limits of the {@code exec} tool. */
  public record Exec(ConfigDuration timeout, ConfigDuration maxTimeout, ConfigSize maxOutput) {
    public Exec {
      timeout = timeout == null ? ConfigDuration.parse("120s") : timeout;
      maxTimeout = maxTimeout == null ? ConfigDuration.parse("30m") : maxTimeout;
      maxOutput = maxOutput == null ? ConfigSize.parse("64k") : maxOutput;
    }
  }

  /** Limits of the {@code web_fetch} tool. */
  public record WebFetch(ConfigSize maxBytes, ConfigDuration timeout, Integer maxRedirects) {
    public WebFetch {
      maxBytes = maxBytes == null ? ConfigSize.parse("2m") : maxBytes;
      timeout = timeout == null ? ConfigDuration.parse("30s") : timeout;
      maxRedirects = maxRedirects == null ? 5 : maxRedirects;
    }
  }

  /** One agent. */
  public record Agent(String model, String systemPrompt, String systemPromptFile, ToolPolicy tools, Integer maxSteps,
      ConfigDuration runTimeout, Integer maxOutputTokens, Integer contextTokens, Integer maxToolResultChars,
      SandboxOverride sandbox) {
    public Agent {
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("model is required (a model name of the router)");
      }
      if (systemPrompt != null && systemPromptFile != null) {
        throw new IllegalArgumentException("set system_prompt or system_prompt_file, not both");
      }
      tools = tools == null ? new ToolPolicy(null, null) : tools;
      sandbox = sandbox == null ? SandboxOverride.NONE : sandbox;
      maxSteps = maxSteps == null ? 25 : maxSteps;
      runTimeout = runTimeout == null ? ConfigDuration.parse("10m") : runTimeout;
      maxOutputTokens = maxOutputTokens == null ? 4096 : maxOutputTokens;
      contextTokens = contextTokens == null ? 128_000 : contextTokens;
      maxToolResultChars = maxToolResultChars == null ? 16_000 : maxToolResultChars;
    }
  }

  /**
   * Sandbox settings an agent sets differently from the gateway's {@code sandbox} section; unset keys keep the
   * gateway's. An agent with any of them gets its own sandboxes (instance label {@code <instance>-<agent>}).
   */
  public record SandboxOverride(String image, String scope, ConfigSize memory, ConfigSize memorySwap, Double cpus,
      Integer pids, Integer maxSandboxes) {
    public static final SandboxOverride NONE = new SandboxOverride(null, null, null, null, null, null, null);

    public boolean isEmpty() {
      return equals(NONE);
    }

    /** The gateway's section with this agent's choices applied, under its own instance label. */
    public Sandbox applyTo(Sandbox base, String agent) {
      ConfigSize memoryValue = memory == null ? base.memory() : memory;
      ConfigSize swapValue = memorySwap != null ? memorySwap : memory != null ? Sandbox.swapFor(memory) : base.memorySwap();
      String slug = agent.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
      String instance = (base.instance() + "-" + (slug.isEmpty() ? "agent" : slug));
      return new Sandbox(image == null ? base.image() : image, scope == null ? base.scope() : scope, base.user(),
          memoryValue, swapValue, cpus == null ? base.cpus() : cpus, pids == null ? base.pids() : pids,
          base.nofile(), base.tmpSize(), base.volumePrefix(), base.idleTimeout(), base.maxAge(),
          maxSandboxes == null ? base.maxSandboxes() : maxSandboxes,
          instance.substring(0, Math.min(instance.length(), 41)), base.dockerTimeout(), base.backend(),
          base.kubernetes());
    }
  }

  /** An agent's own allow and deny lists (names, {@code group:…}, {@code *} globs). */
  public record ToolPolicy(List<String> allow, List<String> deny) {
    public ToolPolicy {
      allow = allow == null ? List.of("group:runtime", "group:fs", "group:memory", "group:sessions")
          : List.copyOf(allow);
      // Unset: the seed's dangerous tools, so the agent's own layer denies them too (an explicit list replaces it).
      deny = deny == null ? ToolRules.DANGEROUS : List.copyOf(deny);
    }
  }
}
