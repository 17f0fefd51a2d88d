package dev.clincher.router;

import dev.clincher.common.json.JsonMappers;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.files.PrivateFiles;
import dev.clincher.common.health.CheckResult;
import dev.clincher.common.health.Health;
import dev.clincher.common.http.JettyServers;
import dev.clincher.common.http.OpsHandler;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.metrics.MetricsAccess;
import dev.clincher.router.api.RouterHandler;
import dev.clincher.router.api.RouterMetrics;
import dev.clincher.router.cache.CacheSettings;
import dev.clincher.router.cache.CacheSettingsReader;
import dev.clincher.router.cache.ResponseCache;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.config.ProviderKind;
import dev.clincher.router.config.RouterConfig;
import dev.clincher.router.config.RouterConfigReader;
import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.keys.MasterKeyAuthenticator;
import dev.clincher.router.keys.VirtualKeyAuthenticator;
import dev.clincher.router.spend.InMemorySpendStore;
import dev.clincher.router.spend.PriceTable;
import dev.clincher.router.spend.RedisSpendStore;
import dev.clincher.router.spend.SpendControls;
import dev.clincher.router.spend.SpendStore;
import dev.clincher.router.spendlog.SpendLog;
import dev.clincher.router.ratelimit.InMemoryRateLimiter;
import dev.clincher.router.ratelimit.RateLimiter;
import dev.clincher.router.ratelimit.RateLimits;
import dev.clincher.router.ratelimit.RedisRateLimiter;
import dev.clincher.cache.store.RedisClients;
import dev.clincher.router.config.SpendSettings;
import dev.clincher.router.spendlog.SpendLogException;
import dev.clincher.router.spendlog.SpendLogSettings;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import dev.clincher.router.provider.EnvProxySelector;
import dev.clincher.router.provider.Providers;
import dev.clincher.router.routing.Dispatcher;
import dev.clincher.router.routing.Fallbacks;
import dev.clincher.router.tls.ProviderTrust;
import java.io.IOException;
import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Wires the router: config → providers (one HTTP client through the env's proxy, trusting the config's CA bundle or
 * the JDK's CAs) → dispatcher (groups, strategy, retries, limits) → spend (prices, budgets, key limits; counters in
 * Redis or memory) → OpenAI and key-management routes behind the master key or virtual keys (SQLite or PostgreSQL),
 * with health and metrics in front. {@link #close()} drains: readiness fails, new connections stop, requests in flight
 * get the stop grace period.
 */
public final class RouterServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  /** How long a stop waits for requests (streams included) in flight. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(20);

  /** The key database when neither {@code database_url} nor {@code DATABASE_URL} is set. */
  public static final String DEFAULT_SQLITE_FILE = "clincher-router-keys.db";

  private final Server server;
  private final Providers providers;
  private final Metrics metrics;
  private final List<AutoCloseable> stores;
  private final ResponseCache cache;
  private final RotatingSecret masterKey;
  private final MetricsAccess metricsAccess;
  /** The Redis passwords of the spend store and limiter, and of the cache: new connections present the current one. */
  private final List<RotatingSecret> redisPasswords;

  private RouterServer(Server server, Providers providers, Metrics metrics, List<AutoCloseable> stores,
      ResponseCache cache, RotatingSecret masterKey, MetricsAccess metricsAccess, List<RotatingSecret> redisPasswords) {
    this.server = server;
    this.redisPasswords = redisPasswords;
    this.masterKey = masterKey;
    this.metricsAccess = metricsAccess;
    this.providers = providers;
    this.metrics = metrics;
    this.stores = stores;
    this.cache = cache;
  }

  /**
   * Reads the config and starts listening; provider connections trust the config's CA bundle
   * ({@code litellm_settings.ssl_verify}, else {@code SSL_CERT_FILE}), else the JDK's default CAs.
   *
   * @throws ConfigException naming the file, key and reason for any bad setting
   */
  public static RouterServer start(RouterSettings settings) throws ConfigException, IOException {
    return start(settings, Optional.empty(), Clock.systemUTC());
  }

  /**
   * Same, with provider connections trusting what {@code providerTls} trusts (a test certificate) instead of the
   * config's CA bundle, which is still read and checked.
   */
  public static RouterServer start(RouterSettings settings, SSLContext providerTls)
      throws ConfigException, IOException {
    return start(settings, Optional.of(providerTls), Clock.systemUTC());
  }

  /** Same, with budgets, rate limits and key expiry on {@code clock}. */
  public static RouterServer start(RouterSettings settings, SSLContext providerTls, Clock clock)
      throws ConfigException, IOException {
    return start(settings, Optional.of(providerTls), clock);
  }

  private static RouterServer start(RouterSettings settings, Optional<SSLContext> givenTls, Clock clock)
      throws ConfigException, IOException {
    RouterConfig config = RouterConfigReader.read(settings.configFile(), settings.env());
    SSLContext providerTls = givenTls.isPresent() ? givenTls.get() : trusted(config);
    List<SpendControls.DeploymentCost> costs =
        RouterCosts.of(config.deployments(), PriceTable.bundled(), settings.configFile().toString());
    DatabaseUrl database = keyDatabase(config.spend().databaseUrl());
    if (database.sqliteFile().isPresent()) { // keys and spend: readable by the router's user only
      PrivateFiles.createIfAbsent(database.sqliteFile().get());
    }
    List<AutoCloseable> opened = new java.util.ArrayList<>();
    try {
      SpendStore counters = spendStore(config, clock);
      opened.add(counters);
      KeyStore keyStore = KeyStore.open(database);
      opened.add(keyStore);
      Optional<SpendLog> spendLog = config.spend().spendLogs()
          ? Optional.of(SpendLog.open(database,
              SpendLogSettings.DEFAULTS.withDurability(config.spend().durability()))) : Optional.empty();
      spendLog.ifPresent(opened::add);
      RateLimiter limiter = rateLimiter(config, clock);
      opened.add(limiter);
      SpendControls spend = new SpendControls(counters, clock, costs, config.spend().global(),
          config.spend().endUser());
      if (config.spend().redis().isEmpty() && spendLog.isPresent()) { // counters in memory start empty: refill
        spend.rebuild(new LoggedSpend(spendLog.get()), keyStore.read(tables -> tables.keys().list(0,
            Integer.MAX_VALUE, Optional.empty(), Optional.empty())), keyStore.read(tables -> tables.teams().list()),
            keyStore.read(tables -> tables.users().list(0, Integer.MAX_VALUE)));
      }
      return wire(settings, providerTls, clock, config, spend, keyStore, spendLog, limiter, List.copyOf(opened));
    } catch (SQLException | SpendLogException | RuntimeException e) {
      closeAll(opened);
      throw new ConfigException(settings.configFile().toString(), "general_settings.database_url",
          "cannot open the key database or the spend log (" + e.getClass().getSimpleName() + ": " + e.getMessage()
              + ")", e);
    } catch (IOException e) {
      closeAll(opened);
      throw e;
    }
  }

  private static void closeAll(List<AutoCloseable> opened) {
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception e) {
        LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("router.close.failed");
      }
    }
  }

  private static RouterServer wire(RouterSettings settings, SSLContext providerTls, Clock clock, RouterConfig config,
      SpendControls spend, KeyStore keyStore, Optional<SpendLog> spendLog, RateLimiter limiter,
      List<AutoCloseable> stores)
      throws ConfigException, IOException {
    ObjectMapper json = JsonMappers.newMapper();
    Providers providers = Providers.create(settings.env(), json, providerTls);
    Dispatcher dispatcher = new Dispatcher(config.deployments(), config.routing(), config.aliases(),
        config.maxParallelRequests(), limiter, RandomGenerator.getDefault());
    Metrics metrics = Metrics.create("router");
    Health health = new Health();
    health.addReadinessCheck("config", () -> CheckResult.up(config.deployments().size() + " deployments"));
    health.addReadinessCheck("models", () -> modelsCheck(dispatcher));
    health.addReadinessCheck("spend_store", () -> spend.storeReachable()
        ? CheckResult.up(config.spend().redis().isPresent() ? "redis" : "memory") : CheckResult.down("unreachable"));
    health.addReadinessCheck("key_database", () -> keyStore.reachable()
        ? CheckResult.up("reachable") : CheckResult.down("unreachable"));
    java.util.Set<String> groups = new java.util.HashSet<>();
    config.deployments().forEach(deployment -> groups.add(deployment.modelName()));
    Optional<CacheSettings> cacheSettings = CacheSettingsReader.read(settings.configFile(), settings.env(), groups);
    ResponseCache cache = responseCache(settings, cacheSettings, config, providers, metrics, json);
    if (cache.usesRedis()) {
      // The cache is optional: while Redis is down requests bypass it, so the router stays ready, reported degraded.
      health.addReadinessCheck("cache", () -> cache.healthy() ? CheckResult.up("redis")
          : CheckResult.degraded("redis unreachable: cache bypassed, requests go to the providers"));
    }
    RouterMetrics routerMetrics = new RouterMetrics(metrics, dispatcher::inFlight);
    routerMetrics.deploymentStates(dispatcher);
    config.spend().global().ifPresent(budget -> routerMetrics.globalBudget(budget.maxBudget(), spend::globalSpend));
    RouterHandler routes = new RouterHandler(
        new VirtualKeyAuthenticator(new MasterKeyAuthenticator(config.masterKey()), keyStore), dispatcher,
        new Fallbacks(config.fallbacks()), providers, routerMetrics, json, config.maxRequestBytes(), keyStore, spend,
        clock, cache, spendLog, new RateLimits(limiter, routerMetrics::rateLimitRemaining));
    MetricsAccess metricsAccess = metricsAccess(settings, config);
    OpsHandler ops = new OpsHandler(health, metrics, metricsAccess, routes);
    JettyServers.Options options = JettyServers.Options.defaults(settings.host(), settings.port())
        .withMaxRequestBodyBytes(2 * config.maxRequestBytes()) // the routes answer 413 themselves, in OpenAI's shape
        .withStopTimeout(STOP_GRACE)
        .withMaxThreads(config.maxParallelRequests() + 64);
    Server server = JettyServers.start(options, ops, health);
    logStarted(settings, config, server);
    List<RotatingSecret> redisPasswords = java.util.stream.Stream.concat(
        config.spend().redis().flatMap(SpendSettings.Redis::password).stream(),
        cacheSettings.flatMap(CacheSettings::redis).flatMap(RedisClients.Endpoint::password).stream()).toList();
    return new RouterServer(server, providers, metrics, stores, cache, config.masterKey(), metricsAccess,
        redisPasswords);
  }

  /**
   * {@code /metrics} for the token in {@code CLINCHER_METRICS_TOKEN_FILE} (never the master key; a metrics token equal
   * to it is refused), else off; said once at start.
   */
  private static MetricsAccess metricsAccess(RouterSettings settings, RouterConfig config) throws ConfigException {
    MetricsAccess access = MetricsAccess.fromEnvironment(settings.env(), config.rotationGrace());
    access.requireDistinctFrom(config.masterKey().current(), "master key");
    LOG.atInfo().addKeyValue("metrics", access.describe()).log("router.metrics");
    return access;
  }

  /** Down while some model group has no deployment to send to because every one is cooling down after failures. */
  private static CheckResult modelsCheck(Dispatcher dispatcher) {
    List<String> cooling = dispatcher.groupsCoolingDown();
    return cooling.isEmpty() ? CheckResult.up(dispatcher.modelNames().size() + " model groups")
        : CheckResult.down("every deployment cooling down: " + String.join("; ", cooling));
  }

  /**
   * The key database named by {@code databaseUrl} ({@code general_settings.database_url}, else {@code DATABASE_URL}),
   * else the default SQLite file in the working directory.
   */
  public static DatabaseUrl keyDatabase(Optional<dev.clincher.common.config.Secret> databaseUrl) {
    return databaseUrl.map(url -> DatabaseUrl.parse(url.reveal())).orElse(DatabaseUrl.sqlite(Path.of(DEFAULT_SQLITE_FILE)));
  }

  /** The TLS context of the config's CA bundle, else the JDK's; logged once with where it comes from. */
  private static SSLContext trusted(RouterConfig config) {
    ProviderTrust trust = ProviderTrust.of(config.caBundle());
    LoggingEventBuilder line = LOG.atInfo().addKeyValue("from", trust.from());
    if (trust.path().isPresent()) {
      line = line.addKeyValue("path", trust.path().get().toString());
    }
    line.addKeyValue("ca_certificates", trust.caCertificates()).log("router.provider.trust");
    return trust.context();
  }

  /**
   * The sliding-window rate limiter of keys' and deployments' rpm/tpm: in Redis when configured (exact across
   * instances), else in this process.
   */
  private static RateLimiter rateLimiter(RouterConfig config, Clock clock) {
    if (config.spend().redis().isEmpty()) {
      return new InMemoryRateLimiter(clock);
    }
    SpendSettings.Redis redis = config.spend().redis().get();
    return RedisRateLimiter.connect(redis.host(), redis.port(), redis.password(),
        RedisSpendStore.DEFAULT_PREFIX + "ratelimit:");
  }

  /** Redis when configured (shared by every instance), else counters in this process. */
  private static SpendStore spendStore(RouterConfig config, Clock clock) {
    if (config.spend().redis().isEmpty()) {
      LOG.atWarn().log("router.spend.in_memory: no redis_host/REDIS_HOST; budgets and limits are per instance and "
          + "reset on restart");
      return new InMemorySpendStore(clock);
    }
    var redis = config.spend().redis().get();
    return RedisSpendStore.connect(redis.host(), redis.port(), redis.password(),
        RedisSpendStore.DEFAULT_PREFIX);
  }

  /** The response cache of {@code litellm_settings.cache}/{@code cache_params}, or a disabled one. */
  private static ResponseCache responseCache(RouterSettings settings, Optional<CacheSettings> cacheSettings,
      RouterConfig config, Providers providers, Metrics metrics, ObjectMapper json) throws ConfigException {
    if (cacheSettings.isEmpty()) {
      return ResponseCache.disabled(metrics, json);
    }
    CacheSettings cache = cacheSettings.get();
    cache.warnings().forEach(warning -> LOG.atWarn().addKeyValue("config", settings.configFile().toString())
        .addKeyValue("warning", warning).log("router.cache.config"));
    LOG.atInfo().addKeyValue("type", cache.type().name().toLowerCase(java.util.Locale.ROOT))
        .addKeyValue("semantic", cache.semantic()).addKeyValue("threshold", cache.threshold())
        .addKeyValue("embedding", cache.embeddingModel().orElse(CacheSettingsReader.ONNX_MODEL))
        .addKeyValue("ttl_s", cache.ttl().toSeconds())
        .addKeyValue("max_entries_per_namespace", cache.bounds().maxEntriesPerNamespace())
        .addKeyValue("max_bytes_per_namespace", cache.bounds().maxBytesPerNamespace())
        .addKeyValue("max_namespaces", cache.bounds().maxNamespaces())
        .addKeyValue("disk_cache_dir", cache.directory().map(Path::toString).orElse("")).log("router.cache.enabled");
    try {
      return ResponseCache.create(cache, name -> config.deployments().stream()
          .filter(deployment -> deployment.modelName().equals(name)).findFirst(), providers, metrics, json);
    } catch (IllegalStateException e) { // the embedded cache's directory cannot be opened
      throw new ConfigException(settings.configFile().toString(), "litellm_settings.cache_params.disk_cache_dir",
          e.getMessage(), e);
    }
  }

  /**
   * Re-reads the master key and the metrics token from their files (SIGHUP, after {@code clincher rotate}): a changed
   * one works at once, the old one for {@code general_settings.rotation_grace}. The Redis password from
   * {@code REDIS_PASSWORD_FILE} too: new Redis connections present the new one, open ones stay authenticated. Open
   * requests and streams are not touched. Each secret's outcome is logged once.
   */
  public List<RotatingSecret.Reload> reloadSecrets() {
    List<RotatingSecret.Reload> reloads = new java.util.ArrayList<>(List.of(masterKey.reload()));
    metricsAccess.reload().ifPresent(reloads::add);
    redisPasswords.forEach(password -> reloads.add(password.reload()));
    return List.copyOf(reloads);
  }

  /** The port the router listens on. */
  public int port() {
    return JettyServers.port(server);
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("router.stop.failed");
    } finally {
      providers.close();
      cache.close();
      metrics.close();
      for (AutoCloseable store : stores) {
        try {
          store.close();
        } catch (Exception e) {
          LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("router.store.close_failed");
        }
      }
    }
    LOG.atInfo().log("router.stopped");
  }

  private static void logStarted(RouterSettings settings, RouterConfig config, Server server) throws ConfigException {
    for (String notice : config.notices()) {
      LOG.atWarn().addKeyValue("config", settings.configFile().toString()).addKeyValue("ignored", notice)
          .log("router.config.unsupported");
    }
    for (DeploymentConfig deployment : config.deployments()) {
      if (deployment.provider().protocol() == ProviderKind.Protocol.VOYAGE) {
        LOG.atWarn().addKeyValue("deployment", deployment.id()).addKeyValue("provider", deployment.provider().prefix())
            .log("router.provider.embeddings_only");
      }
    }
    LOG.atInfo()
        .addKeyValue("listen", settings.host() + ":" + JettyServers.port(server))
        .addKeyValue("config", settings.configFile().toString())
        .addKeyValue("deployments", config.deployments().size())
        .addKeyValue("strategy", config.routing().strategy().configName())
        .addKeyValue("num_retries", config.routing().numRetries())
        .addKeyValue("max_parallel_requests", config.maxParallelRequests())
        .addKeyValue("proxy", EnvProxySelector.fromEnv(settings.env()).hasProxy())
        .addKeyValue("spend_store", config.spend().redis().isPresent() ? "redis" : "memory")
        .addKeyValue("key_database", config.spend().databaseUrl()
            .map(url -> DatabaseUrl.parse(url.reveal()).jdbcUrl().startsWith("jdbc:postgresql:") ? "postgresql" : "sqlite")
            .orElse("sqlite"))
        .log("router.started");
  }
}
