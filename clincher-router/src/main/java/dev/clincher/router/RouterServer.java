package dev.clincher.router;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.health.CheckResult;
import dev.clincher.common.health.Health;
import dev.clincher.common.http.JettyServers;
import dev.clincher.common.http.OpsHandler;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.router.api.RouterHandler;
import dev.clincher.router.api.RouterMetrics;
import dev.clincher.router.cache.CacheSettings;
import dev.clincher.router.cache.CacheSettingsReader;
import dev.clincher.router.cache.ResponseCache;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.config.ProviderKind;
import dev.clincher.router.config.RouterConfig;
import dev.clincher.router.config.RouterConfigReader;
import dev.clincher.router.keys.MasterKeyAuthenticator;
import dev.clincher.router.provider.EnvProxySelector;
import dev.clincher.router.provider.Providers;
import dev.clincher.router.routing.Dispatcher;
import dev.clincher.router.routing.Fallbacks;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the router: config → providers (one HTTP client through the env's proxy) → dispatcher (groups, strategy,
 * retries, limits) → OpenAI routes behind the master key, with health and metrics in front. {@link #close()} drains:
 * readiness fails, new connections stop, requests in flight get the stop grace period.
 */
public final class RouterServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  /** How long a stop waits for requests (streams included) in flight. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(20);

  private final Server server;
  private final Providers providers;
  private final Metrics metrics;
  private final ResponseCache cache;

  private RouterServer(Server server, Providers providers, Metrics metrics, ResponseCache cache) {
    this.server = server;
    this.providers = providers;
    this.metrics = metrics;
    this.cache = cache;
  }

  /**
   * Reads the config and starts listening.
   *
   * @throws ConfigException naming the file, key and reason for any bad setting
   */
  public static RouterServer start(RouterSettings settings) throws ConfigException, IOException {
    try {
      return start(settings, SSLContext.getDefault());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no default TLS context", e);
    }
  }

  /** Same, with provider connections trusting what {@code providerTls} trusts (a private CA, a test certificate). */
  public static RouterServer start(RouterSettings settings, SSLContext providerTls)
      throws ConfigException, IOException {
    RouterConfig config = RouterConfigReader.read(settings.configFile(), settings.env());
    ObjectMapper json = new ObjectMapper();
    Providers providers = Providers.create(settings.env(), json, providerTls);
    Dispatcher dispatcher = new Dispatcher(config.deployments(), config.routing(), config.maxParallelRequests(),
        RandomGenerator.getDefault());
    Metrics metrics = Metrics.create("router");
    Health health = new Health();
    health.addReadinessCheck("config", () -> CheckResult.up(config.deployments().size() + " deployments"));
    ResponseCache cache = responseCache(settings, config, providers, metrics, json);
    if (cache.usesRedis()) {
      health.addReadinessCheck("cache", () -> cache.healthy() ? CheckResult.up("redis") : CheckResult.down("redis"));
    }
    RouterHandler routes = new RouterHandler(new MasterKeyAuthenticator(config.masterKey()), dispatcher,
        new Fallbacks(config.fallbacks()), providers, new RouterMetrics(metrics, dispatcher::inFlight), json,
        config.maxRequestBytes(), cache);
    OpsHandler ops = new OpsHandler(health, metrics, Optional.of(config.masterKey()), routes);
    JettyServers.Options options = JettyServers.Options.defaults(settings.host(), settings.port())
        .withMaxRequestBodyBytes(2 * config.maxRequestBytes()) // the routes answer 413 themselves, in OpenAI's shape
        .withStopTimeout(STOP_GRACE)
        .withMaxThreads(config.maxParallelRequests() + 64);
    Server server = JettyServers.start(options, ops, health);
    logStarted(settings, config, server);
    return new RouterServer(server, providers, metrics, cache);
  }

  /** The response cache of {@code litellm_settings.cache}/{@code cache_params}, or a disabled one. */
  private static ResponseCache responseCache(RouterSettings settings, RouterConfig config, Providers providers,
      Metrics metrics, ObjectMapper json) throws ConfigException {
    java.util.Set<String> groups = new java.util.HashSet<>();
    config.deployments().forEach(deployment -> groups.add(deployment.modelName()));
    Optional<CacheSettings> cacheSettings = CacheSettingsReader.read(settings.configFile(), settings.env(), groups);
    if (cacheSettings.isEmpty()) {
      return ResponseCache.disabled(metrics, json);
    }
    CacheSettings cache = cacheSettings.get();
    cache.warnings().forEach(warning -> LOG.atWarn().addKeyValue("config", settings.configFile().toString())
        .addKeyValue("warning", warning).log("router.cache.config"));
    LOG.atInfo().addKeyValue("type", cache.type().name().toLowerCase(java.util.Locale.ROOT))
        .addKeyValue("semantic", cache.semantic()).addKeyValue("threshold", cache.threshold())
        .addKeyValue("embedding", cache.embeddingModel().orElse(CacheSettingsReader.ONNX_MODEL))
        .addKeyValue("ttl_s", cache.ttl().toSeconds()).log("router.cache.enabled");
    return ResponseCache.create(cache, name -> config.deployments().stream()
        .filter(deployment -> deployment.modelName().equals(name)).findFirst(), providers, metrics, json);
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
        .log("router.started");
  }
}
