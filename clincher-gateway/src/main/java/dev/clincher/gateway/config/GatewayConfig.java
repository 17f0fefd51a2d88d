package dev.clincher.gateway.config;

import dev.clincher.gateway.channel.ChannelsConfig;
import dev.clincher.gateway.policy.ToolRules;
import dev.clincher.gateway.sandbox.SandboxSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's YAML config ({@code clincher gateway --config FILE}); every section has defaults, unknown keys fail.
 * See {@code docs/gateway.md} for every key.
 */
public record GatewayConfig(Server server, Auth auth, Router router, Storage storage, Docker docker,
    Egress egress, Sandbox sandbox, Tools tools, Map<String, Agent> agents, ChannelsConfig channels) {

  public GatewayConfig {
    server = server == null ? new Server(null, null, null) : server;
    auth = auth == null ? new Auth(null, null, null, null, null, null) : auth;
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
   * variable); it is never accepted inline in the config.
   */
  public record Auth(String tokenFile, List<String> trustedProxies, List<String> allowedOrigins, Integer maxFailures,
      String failureWindow, String lockout) {
    public Auth {
      trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
      allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
      maxFailures = maxFailures == null ? 10 : maxFailures;
      failureWindow = failureWindow == null ? "60s" : failureWindow;
      lockout = lockout == null ? "5m" : lockout;
      ConfigValues.duration(failureWindow, "auth.failure_window");
      ConfigValues.duration(lockout, "auth.lockout");
    }
  }

  /** The OpenAI-compatible router the agents call; the key from {@code api_key_file} or {@code LITELLM_MASTER_KEY}. */
  public record Router(String url, String apiKeyFile, String timeout) {
    public Router {
      url = url == null ? "http://127.0.0.1:4000" : url;
      timeout = timeout == null ? "300s" : timeout;
      ConfigValues.duration(timeout, "router.timeout");
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
  }

  /** The Docker API for sandboxes: the socket proxy in production ({@code DOCKER_HOST} when unset). */
  public record Docker(String host) {}

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
  public record Sandbox(String image, String scope, String user, String memory, String memorySwap, Double cpus,
      Integer pids, Integer nofile, String tmpSize, String volumePrefix, String idleTimeout, String maxAge,
      Integer maxSandboxes, String instance, String dockerTimeout) {
    public static final Sandbox DEFAULTS = new Sandbox(null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null);

    public Sandbox {
      SandboxSettings base = SandboxSettings.defaults();
      image = image == null ? base.image() : image;
      scope = scope == null ? "session" : scope;
      user = user == null ? base.user() : user;
      memory = memory == null ? "1g" : memory;
      memorySwap = memorySwap == null ? swapFor(memory) : memorySwap;
      cpus = cpus == null ? 1.0 : cpus;
      pids = pids == null ? base.pidsLimit() : pids;
      nofile = nofile == null ? base.nofile() : nofile;
      tmpSize = tmpSize == null ? "256m" : tmpSize;
      volumePrefix = volumePrefix == null ? base.volumePrefix() : volumePrefix;
      idleTimeout = idleTimeout == null ? "12h" : idleTimeout;
      maxAge = maxAge == null ? "3d" : maxAge;
      maxSandboxes = maxSandboxes == null ? base.maxSandboxes() : maxSandboxes;
      instance = instance == null ? base.instance() : instance;
      dockerTimeout = dockerTimeout == null ? "30s" : dockerTimeout;
      if (!List.of("session", "agent", "shared").contains(scope)) {
        throw new IllegalArgumentException("scope must be session, agent or shared");
      }
      if (cpus <= 0 || cpus > 64) {
        throw new IllegalArgumentException("cpus must be between 0 and 64");
      }
    }

    /** Memory plus swap when only {@code memory} is set: one and a half times the memory, as the seed sets it. */
    static String swapFor(String memory) {
      return Long.toString(ConfigValues.bytes(memory, "sandbox.memory") * 3 / 2);
    }

    /** The sandbox manager's settings, with the exec limits of {@code tools.exec}. */
    public SandboxSettings toSettings(Exec exec) {
      return new SandboxSettings(image, SandboxSettings.Scope.parse(scope), user,
          ConfigValues.bytes(memory, "sandbox.memory"), ConfigValues.bytes(memorySwap, "sandbox.memory_swap"),
          Math.round(cpus * 1_000_000_000L), pids, nofile, ConfigValues.bytes(tmpSize, "sandbox.tmp_size"),
          volumePrefix, ConfigValues.duration(idleTimeout, "sandbox.idle_timeout"),
          ConfigValues.duration(maxAge, "sandbox.max_age"), maxSandboxes,
          ConfigValues.duration(exec.timeout(), "tools.exec.timeout"),
          ConfigValues.duration(exec.maxTimeout(), "tools.exec.max_timeout"),
          (int) Math.min(Integer.MAX_VALUE, ConfigValues.bytes(exec.maxOutput(), "tools.exec.max_output")),
          instance, ConfigValues.duration(dockerTimeout, "sandbox.docker_timeout"));
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
  public record Exec(String timeout, String maxTimeout, String maxOutput) {
    public Exec {
      timeout = timeout == null ? "120s" : timeout;
      maxTimeout = maxTimeout == null ? "30m" : maxTimeout;
      maxOutput = maxOutput == null ? "64k" : maxOutput;
      ConfigValues.duration(timeout, "tools.exec.timeout");
      ConfigValues.duration(maxTimeout, "tools.exec.max_timeout");
      ConfigValues.bytes(maxOutput, "tools.exec.max_output");
    }
  }

  /** Limits of the {@code web_fetch} tool. */
  public record WebFetch(String maxBytes, String timeout, Integer maxRedirects) {
    public WebFetch {
      maxBytes = maxBytes == null ? "2m" : maxBytes;
      timeout = timeout == null ? "30s" : timeout;
      maxRedirects = maxRedirects == null ? 5 : maxRedirects;
      ConfigValues.bytes(maxBytes, "tools.web_fetch.max_bytes");
      ConfigValues.duration(timeout, "tools.web_fetch.timeout");
    }
  }

  /** One agent. */
  public record Agent(String model, String systemPrompt, String systemPromptFile, ToolPolicy tools, Integer maxSteps,
      String runTimeout, Integer maxOutputTokens, Integer contextTokens, Integer maxToolResultChars,
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
      runTimeout = runTimeout == null ? "10m" : runTimeout;
      maxOutputTokens = maxOutputTokens == null ? 4096 : maxOutputTokens;
      contextTokens = contextTokens == null ? 128_000 : contextTokens;
      maxToolResultChars = maxToolResultChars == null ? 16_000 : maxToolResultChars;
      ConfigValues.duration(runTimeout, "run_timeout");
    }
  }

  /**
   * Sandbox settings an agent sets differently from the gateway's {@code sandbox} section; unset keys keep the
   * gateway's. An agent with any of them gets its own sandboxes (instance label {@code <instance>-<agent>}).
   */
  public record SandboxOverride(String image, String scope, String memory, String memorySwap, Double cpus,
      Integer pids, Integer maxSandboxes) {
    public static final SandboxOverride NONE = new SandboxOverride(null, null, null, null, null, null, null);

    public boolean isEmpty() {
      return equals(NONE);
    }

    /** The gateway's section with this agent's choices applied, under its own instance label. */
    public Sandbox applyTo(Sandbox base, String agent) {
      String memoryValue = memory == null ? base.memory() : memory;
      String swapValue = memorySwap != null ? memorySwap : memory != null ? Sandbox.swapFor(memory) : base.memorySwap();
      String slug = agent.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
      String instance = (base.instance() + "-" + (slug.isEmpty() ? "agent" : slug));
      return new Sandbox(image == null ? base.image() : image, scope == null ? base.scope() : scope, base.user(),
          memoryValue, swapValue, cpus == null ? base.cpus() : cpus, pids == null ? base.pids() : pids,
          base.nofile(), base.tmpSize(), base.volumePrefix(), base.idleTimeout(), base.maxAge(),
          maxSandboxes == null ? base.maxSandboxes() : maxSandboxes,
          instance.substring(0, Math.min(instance.length(), 41)), base.dockerTimeout());
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
