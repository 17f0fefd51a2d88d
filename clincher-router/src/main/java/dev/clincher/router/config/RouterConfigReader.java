package dev.clincher.router.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.ConfigLoader;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.config.Secret;
import dev.clincher.router.metering.BudgetPeriod;
import dev.clincher.router.metering.GlobalBudget;
import dev.clincher.router.metering.PriceOverrides;
import dev.clincher.router.tls.CaBundle;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a LiteLLM {@code config.yaml} into a {@link RouterConfig}.
 *
 * <p>The file is loaded by common's {@link ConfigLoader} (strict YAML, {@code ${VAR}} expansion), then walked section
 * by section. LiteLLM's {@code os.environ/VAR} references resolve from the environment ({@code VAR_FILE} works too).
 * Keys the router does not implement are handled by {@link KeyPolicy}: noted once (see {@link RouterConfig#notices()})
 * or refused. Errors name the file, the key path and the reason, never a value.
 */
public final class RouterConfigReader {
  /** Default whole-request timeout, LiteLLM's 600 s. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(600);
  /** Default request body limit when {@code max_request_size_mb} is not set. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 16L * 1024 * 1024;
  /** Default for {@code general_settings.max_parallel_requests}. */
  public static final int DEFAULT_MAX_PARALLEL_REQUESTS = 1000;
  /** Default in-flight requests per deployment. */
  public static final int DEFAULT_DEPLOYMENT_PARALLEL_REQUESTS = 256;

  private static final Set<String> TOP_LEVEL =
      Set.of("model_list", "router_settings", "litellm_settings", "general_settings");
  private static final Set<String> ENTRY = Set.of("model_name", "litellm_params", "model_info", "rpm", "tpm");
  private static final Set<String> LITELLM_PARAMS = Set.of("model", "api_key", "api_base", "rpm", "tpm", "weight",
      "timeout", "stream_timeout", "organization", "max_parallel_requests", "custom_llm_provider",
      "input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost", "cache_creation_input_token_cost",
      "max_budget", "budget_duration");
  /** Keys read from {@code model_info} (or {@code litellm_params}, which wins) for prices and budgets. */
  private static final List<String> COST_KEYS = List.of("input_cost_per_token", "output_cost_per_token",
      "cache_read_input_token_cost", "cache_creation_input_token_cost");
  private static final Set<String> ROUTER_SETTINGS = Set.of("num_retries", "retry_after", "routing_strategy",
      "allowed_fails", "cooldown_time", "disable_cooldowns", "timeout", "enable_pre_call_checks",
      "default_max_parallel_requests", "stream_timeout", "fallbacks", "context_window_fallbacks",
      "content_policy_fallbacks", "default_fallbacks", "max_fallbacks", "model_group_alias", "retry_policy",
      "model_group_retry_policy", "redis_host", "redis_port", "redis_password");
  private static final Set<String> LITELLM_SETTINGS = Set.of("num_retries", "request_timeout", "callbacks",
      "success_callback", "failure_callback", "service_callbacks", "json_logs", "turn_off_message_logging",
      "redact_user_api_key_info", "fallbacks", "context_window_fallbacks", "content_policy_fallbacks",
      "cache", "cache_params", // read by router.cache.CacheSettingsReader
      "ssl_verify", // read by CaBundleReader
      "max_budget", "budget_duration", "max_end_user_budget"); // the global and end-user budgets
  private static final Set<String> GENERAL_SETTINGS =
      Set.of("master_key", "max_request_size_mb", "max_parallel_requests", "global_max_parallel_requests", "alerting",
          "database_url", "disable_spend_logs", "spend_log_durability", "rotation_grace");

  private final ConfigContext context;

  private RouterConfigReader(ConfigContext context) {
    this.context = context;
  }

  /** Reads {@code file}, resolving variables from {@code env} (pass {@code System.getenv()} in production). */
  public static RouterConfig read(Path file, Map<String, String> env) throws ConfigException {
    JsonNode tree = new ConfigLoader(env).load(file);
    return new RouterConfigReader(new ConfigContext(file.toString(), env)).read(tree);
  }

  /** Reads YAML text; {@code source} names it in errors. */
  public static RouterConfig parse(String source, String yaml, Map<String, String> env) throws ConfigException {
    JsonNode tree = new ConfigLoader(env).parse(source, yaml);
    return new RouterConfigReader(new ConfigContext(source, env)).read(tree);
  }

  /**
   * Only the key database of {@code file}: {@code general_settings.database_url}, else {@code DATABASE_URL}, read as
   * the router reads it (empty: the default SQLite file). For tools that work on the database while the rest of the
   * config (the master key, the providers' keys) is not at hand.
   */
  public static Optional<Secret> databaseUrl(Path file, Map<String, String> env) throws ConfigException {
    JsonNode tree = new ConfigLoader(env).load(file);
    RouterConfigReader reader = new RouterConfigReader(new ConfigContext(file.toString(), env));
    ConfigSection root = new ConfigSection(tree, "", "", reader.context);
    return reader.database(root.section("general_settings", "general_settings"));
  }

  private RouterConfig read(JsonNode tree) throws ConfigException {
    ConfigSection root = new ConfigSection(tree, "", "", context);
    root.checkKeys(TOP_LEVEL);
    ConfigSection router = root.section("router_settings", "router_settings");
    ConfigSection litellm = root.section("litellm_settings", "litellm_settings");
    ConfigSection general = root.section("general_settings", "general_settings");
    router.checkKeys(ROUTER_SETTINGS);
    litellm.checkKeys(LITELLM_SETTINGS);
    general.checkKeys(GENERAL_SETTINGS);
    checkObservability(litellm, general);

    Duration defaultTimeout = router.seconds("timeout", litellm.seconds("request_timeout", DEFAULT_TIMEOUT));
    int deploymentParallel = (int) Math.min(Integer.MAX_VALUE,
        router.wholeNumber("default_max_parallel_requests", DEFAULT_DEPLOYMENT_PARALLEL_REQUESTS));
    Optional<Duration> streamTimeout = router.has("stream_timeout")
        ? Optional.of(router.seconds("stream_timeout", DEFAULT_TIMEOUT)) : Optional.empty();
    List<DeploymentConfig> deployments =
        readModelList(root.raw("model_list"), defaultTimeout, streamTimeout, deploymentParallel);
    Set<String> groups = groups(deployments);
    FallbackSettings fallbacks = fallbacks(router, litellm, groups);
    ModelAliases aliases = new ModelAliasReader(context).read(router, groups);
    Optional<CaBundle> caBundle = new CaBundleReader(context).read(litellm);
    SpendSettings spend = spend(router, litellm, general);
    return new RouterConfig(deployments, masterKey(general), routing(router, litellm, groups), fallbacks,
        maxRequestBytes(general), maxParallelRequests(general), context.notices(), spend, aliases, caBundle,
        general.seconds("rotation_grace", RotatingSecret.DEFAULT_GRACE));
  }

  private List<DeploymentConfig> readModelList(JsonNode list, Duration timeout, Optional<Duration> streamTimeout,
      int parallel) throws ConfigException {
    if (list.isMissingNode() || list.isNull()) {
      return List.of();
    }
    if (!list.isArray()) {
      throw context.error("model_list", "expected a list");
    }
    List<DeploymentConfig> deployments = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      DeploymentConfig deployment = readDeployment(i, list.get(i), timeout, streamTimeout, parallel);
      if (!ids.add(deployment.id())) {
        throw context.error("model_list[" + i + "].model_info.id", "duplicate deployment id");
      }
      deployments.add(deployment);
    }
    return deployments;
  }

  private DeploymentConfig readDeployment(int index, JsonNode node, Duration defaultTimeout,
      Optional<Duration> defaultStreamTimeout, int defaultParallel) throws ConfigException {
    ConfigSection entry = new ConfigSection(node, "model_list[" + index + "]", "", context);
    entry.checkKeys(ENTRY);
    ConfigSection params = entry.section("litellm_params", "litellm_params");
    params.checkKeys(LITELLM_PARAMS);
    ConfigSection info = entry.section("model_info", "model_info");

    String modelName = entry.requiredString("model_name");
    String model = params.requiredString("model");
    Optional<URI> apiBase = apiBase(params);
    ProviderKind provider = provider(params, model, apiBase.isPresent());
    String upstreamModel = stripPrefix(model, provider);
    if (apiBase.isEmpty() && provider.defaultBase().isEmpty()) {
      throw context.error(params.childPath("api_base"), "required for provider " + provider.prefix());
    }
    String id = info.string("id").orElse(modelName + "#" + index);
    long rpm = params.has("rpm") ? params.wholeNumber("rpm", 0) : entry.wholeNumber("rpm", 0);
    long tpm = params.has("tpm") ? params.wholeNumber("tpm", 0) : entry.wholeNumber("tpm", 0);
    int parallel = (int) Math.min(Integer.MAX_VALUE, params.wholeNumber("max_parallel_requests", defaultParallel));
    if (parallel < 1) {
      throw context.error(params.childPath("max_parallel_requests"), "must be at least 1");
    }
    Duration timeout = params.seconds("timeout", defaultTimeout);
    Duration streamTimeout = params.seconds("stream_timeout", defaultStreamTimeout.orElse(timeout));
    if (timeout.isZero() || streamTimeout.isZero()) {
      throw context.error(params.childPath("timeout"), "timeouts must be more than 0");
    }
    return new DeploymentConfig(id, modelName, provider, upstreamModel, apiKey(params),
        apiBase.or(provider::defaultBase), params.string("organization"), rpm, tpm, params.number("weight", 0),
        timeout, streamTimeout, parallel, cost(params, info));
  }

  /** Prices and budget: each key from {@code litellm_params}, else from {@code model_info}. */
  private CostSettings cost(ConfigSection params, ConfigSection info) throws ConfigException {
    java.util.OptionalDouble[] prices = new java.util.OptionalDouble[COST_KEYS.size()];
    for (int i = 0; i < prices.length; i++) {
      prices[i] = optionalNumber(params.has(COST_KEYS.get(i)) ? params : info, COST_KEYS.get(i));
    }
    ConfigSection budgetSection = params.has("max_budget") ? params : info;
    java.util.OptionalDouble maxBudget = optionalNumber(budgetSection, "max_budget");
    ConfigSection durationSection = params.has("budget_duration") ? params : info;
    BudgetPeriod period = BudgetPeriod.MONTHLY;
    Optional<String> duration = durationSection.string("budget_duration");
    if (duration.isPresent()) {
      period = BudgetPeriod.parse(duration.get()).orElseThrow(() -> context.error(
          durationSection.childPath("budget_duration"), "expected a duration such as 30s, 30m, 24h, 30d, 1w or 1mo"));
    }
    if (maxBudget.isPresent() && !(maxBudget.getAsDouble() > 0)) {
      throw context.error(budgetSection.childPath("max_budget"), "must be more than 0 (a budget of 0 would refuse "
          + "every call: remove the deployment instead)");
    }
    java.util.OptionalLong maxOutput = info.has("max_output_tokens")
        ? java.util.OptionalLong.of(info.wholeNumber("max_output_tokens", 0)) : java.util.OptionalLong.empty();
    if (maxOutput.isPresent() && maxOutput.getAsLong() < 1) {
      throw context.error(info.childPath("max_output_tokens"), "must be at least 1");
    }
    return new CostSettings(new PriceOverrides(prices[0], prices[1], prices[2],
        prices[3]), maxBudget, period, maxOutput);
  }

  private static java.util.OptionalDouble optionalNumber(ConfigSection section, String key) throws ConfigException {
    return section.has(key) ? java.util.OptionalDouble.of(section.number(key, 0)) : java.util.OptionalDouble.empty();
  }

  /** {@code general_settings.database_url}, else {@code DATABASE_URL}, checked; empty when neither is set. */
  private Optional<Secret> database(ConfigSection general) throws ConfigException {
    Optional<String> database = general.has("database_url")
        ? general.string("database_url")
        : context.resolve("general_settings.database_url", ConfigContext.ENV_PREFIX + "DATABASE_URL");
    if (database.isPresent() && !database.get().isBlank()) {
      try {
        dev.clincher.router.keys.DatabaseUrl.parse(database.get());
      } catch (IllegalArgumentException e) {
        throw context.error("general_settings.database_url", e.getMessage());
      }
    }
    return database.filter(d -> !d.isBlank()).map(Secret::of);
  }

  /** The key database and the counter store. */
  private SpendSettings spend(ConfigSection router, ConfigSection litellm, ConfigSection general)
      throws ConfigException {
    Optional<Secret> database = database(general);
    Optional<String> host = router.has("redis_host")
        ? router.string("redis_host")
        : context.resolve("router_settings.redis_host", ConfigContext.ENV_PREFIX + "REDIS_HOST");
    Optional<SpendSettings.Redis> redis = Optional.empty();
    if (host.isPresent() && !host.get().isBlank()) {
      Optional<String> portText = router.has("redis_port")
          ? router.string("redis_port")
          : context.resolve("router_settings.redis_port", ConfigContext.ENV_PREFIX + "REDIS_PORT");
      int port;
      try {
        port = portText.filter(p -> !p.isBlank()).map(p -> Integer.parseInt(p.trim())).orElse(6379);
      } catch (NumberFormatException e) {
        throw context.error("router_settings.redis_port", "expected a port number");
      }
      if (port < 1 || port > 65535) {
        throw context.error("router_settings.redis_port", "expected a port number");
      }
      redis = Optional.of(new SpendSettings.Redis(host.get().trim(), port, redisPassword(router)));
    }
    boolean spendLogs = !general.bool("disable_spend_logs", false);
    if (!spendLogs) {
      context.notice("general_settings.disable_spend_logs", "no spend log: no per-request rows or reports, and "
          + (redis.isPresent() ? "nothing to check the counters in Redis against"
              : "the budget counters (in memory) start from 0 after every restart"));
    }
    return new SpendSettings(database, redis, globalBudget(litellm), endUserBudget(litellm), spendLogs,
        durability(general));
  }

  /**
   * {@code router_settings.redis_password}: inline, or {@code os.environ/VAR} (default {@code REDIS_PASSWORD}); one
   * from {@code VAR_FILE} is re-read on SIGHUP and presented by new connections ({@code clincher rotate
   * redis-password}); empty when none is set.
   */
  private Optional<RotatingSecret> redisPassword(ConfigSection router) throws ConfigException {
    String text = ConfigContext.ENV_PREFIX + "REDIS_PASSWORD";
    if (router.has("redis_password")) {
      router.string("redis_password"); // refuses a list or a map, and an unset variable, naming the key
      text = router.raw("redis_password").asText();
    }
    Optional<String> variable = ConfigContext.variableName(text);
    Optional<RotatingSecret> password;
    try {
      password = variable.isPresent()
          ? RotatingSecret.fromEnv("redis_password", variable.get(), context.env(), java.time.Duration.ZERO,
              java.time.Clock.systemUTC(), RotatingSecret.Check.NONE)
          : Optional.of(RotatingSecret.fixed("redis_password", Secret.of(text)));
    } catch (ConfigException e) {
      throw context.error("router_settings.redis_password", e.getMessage());
    }
    return password.filter(value -> !value.current().reveal().isEmpty());
  }

  /** {@code general_settings.spend_log_durability}: what a committed spend-log row survives (Clincher's key). */
  private dev.clincher.router.spendlog.Durability durability(ConfigSection general) throws ConfigException {
    Optional<String> text = general.string("spend_log_durability");
    if (text.isEmpty()) {
      return dev.clincher.router.spendlog.Durability.POWER_LOSS;
    }
    return dev.clincher.router.spendlog.Durability.parse(text.get()).orElseThrow(() -> context.error(
        "general_settings.spend_log_durability", "expected power_loss (the default: every row fsynced before the "
            + "answer ends) or router_crash (rows survive a crash of the router, not of the machine)"));
  }

  /** {@code litellm_settings.max_end_user_budget}: USD per end user and calendar month. */
  private java.util.OptionalDouble endUserBudget(ConfigSection litellm) throws ConfigException {
    if (!litellm.has("max_end_user_budget")) {
      return java.util.OptionalDouble.empty();
    }
    double max = litellm.number("max_end_user_budget", 0);
    if (!(max > 0) || !Double.isFinite(max)) {
      throw context.error(litellm.childPath("max_end_user_budget"), "must be more than 0 (USD)");
    }
    return java.util.OptionalDouble.of(max);
  }

  /** {@code litellm_settings.max_budget} (USD over every call) and {@code budget_duration} (none: for all time). */
  private Optional<GlobalBudget> globalBudget(ConfigSection litellm) throws ConfigException {
    if (!litellm.has("max_budget")) {
      if (litellm.has("budget_duration")) {
        throw context.error(litellm.childPath("budget_duration"), "needs litellm_settings.max_budget");
      }
      return Optional.empty();
    }
    double max = litellm.number("max_budget", 0);
    if (!(max > 0) || !Double.isFinite(max)) {
      throw context.error(litellm.childPath("max_budget"), "must be more than 0 (USD)");
    }
    Optional<BudgetPeriod> period = Optional.empty();
    Optional<String> duration = litellm.string("budget_duration");
    if (duration.isPresent()) {
      period = Optional.of(BudgetPeriod.parse(duration.get()).orElseThrow(() ->
          context.error(litellm.childPath("budget_duration"), "expected a duration such as 30s, 30m, 24h, 30d, 1w "
              + "or 1mo")));
    }
    return Optional.of(new GlobalBudget(max, period));
  }

  private static Set<String> groups(List<DeploymentConfig> deployments) {
    Set<String> groups = new HashSet<>();
    deployments.forEach(d -> groups.add(d.modelName()));
    return groups;
  }

  /**
   * {@code fallbacks}, {@code context_window_fallbacks}, {@code content_policy_fallbacks} (router_settings first,
   * else litellm_settings) and {@code default_fallbacks} (router_settings).
   */
  private FallbackSettings fallbacks(ConfigSection router, ConfigSection litellm, Set<String> groups)
      throws ConfigException {
    long max = router.wholeNumber("max_fallbacks", 5);
    return new FallbackSettings(fallbackMap(router.has("fallbacks") ? router : litellm, "fallbacks", groups),
        fallbackMap(router.has("context_window_fallbacks") ? router : litellm, "context_window_fallbacks", groups),
        fallbackMap(router.has("content_policy_fallbacks") ? router : litellm, "content_policy_fallbacks", groups),
        defaultFallbacks(router, groups), (int) Math.min(max, 100));
  }

  /** LiteLLM's shape: a list of model_names, {@code ["claude-haiku"]}. */
  private List<String> defaultFallbacks(ConfigSection router, Set<String> groups) throws ConfigException {
    JsonNode list = router.raw("default_fallbacks");
    if (list.isMissingNode() || list.isNull()) {
      return List.of();
    }
    String path = router.childPath("default_fallbacks");
    if (!list.isArray()) {
      throw context.error(path, "expected a list of model_names");
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String name = list.get(i).asText();
      if (!list.get(i).isTextual() || !groups.contains(name)) {
        throw context.error(path + "[" + i + "]", "'" + name + "' is not a model_name of model_list");
      }
      if (!names.contains(name)) {
        names.add(name);
      }
    }
    return names;
  }

  /** LiteLLM's shape: a list of one-key mappings, {@code [{"gpt-4": ["gpt-4o", "claude"]}]}. */
  private Map<String, List<String>> fallbackMap(ConfigSection section, String key, Set<String> groups)
      throws ConfigException {
    JsonNode list = section.raw(key);
    Map<String, List<String>> map = new java.util.LinkedHashMap<>();
    if (list.isMissingNode() || list.isNull()) {
      return map;
    }
    String path = section.childPath(key);
    if (!list.isArray()) {
      throw context.error(path, "expected a list of {model_name: [fallback model_names]}");
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode entry = list.get(i);
      if (!entry.isObject() || entry.size() != 1) {
        throw context.error(path + "[" + i + "]", "expected one mapping {model_name: [fallback model_names]}");
      }
      Map.Entry<String, JsonNode> only = entry.properties().iterator().next();
      if (!only.getValue().isArray()) {
        throw context.error(path + "[" + i + "]", "expected a list of fallback model_names for '" + only.getKey() + "'");
      }
      List<String> targets = new ArrayList<>();
      for (JsonNode target : only.getValue()) {
        targets.add(target.asText());
      }
      for (String name : concat(only.getKey(), targets)) {
        if (!groups.contains(name)) {
          throw context.error(path + "[" + i + "]", "'" + name + "' is not a model_name of model_list");
        }
      }
      if (targets.isEmpty()) {
        throw context.error(path + "[" + i + "]", "expected a non-empty list of fallback model_names");
      }
      map.put(only.getKey(), List.copyOf(targets));
    }
    return map;
  }

  private static List<String> concat(String first, List<String> rest) {
    List<String> all = new ArrayList<>(rest);
    all.add(0, first);
    return all;
  }


  private ProviderKind provider(ConfigSection params, String model, boolean hasApiBase) throws ConfigException {
    Optional<String> custom = params.string("custom_llm_provider");
    if (custom.isPresent()) {
      return ProviderKind.byPrefix(custom.get())
          .orElseThrow(() -> context.error(params.childPath("custom_llm_provider"), unsupportedProvider(custom.get())));
    }
    int slash = model.indexOf('/');
    if (slash > 0) {
      Optional<ProviderKind> byPrefix = ProviderKind.byPrefix(model.substring(0, slash));
      if (byPrefix.isPresent()) {
        return byPrefix.get();
      }
    }
    Optional<ProviderKind> inferred = ProviderKind.infer(model);
    if (inferred.isPresent()) {
      return inferred.get();
    }
    if (hasApiBase) {
      return ProviderKind.OPENAI; // any OpenAI-compatible server named by api_base
    }
    String prefix = slash > 0 ? model.substring(0, slash) : model;
    throw context.error(params.childPath("model"),
        slash > 0 ? unsupportedProvider(prefix) : "cannot infer the provider; write it as provider/model");
  }

  private static String unsupportedProvider(String name) {
    List<String> known = java.util.Arrays.stream(ProviderKind.values()).map(ProviderKind::prefix).toList();
    return "provider '" + name + "' is not supported (supported: " + String.join(", ", known) + ")";
  }

  private static String stripPrefix(String model, ProviderKind provider) {
    String prefix = provider.prefix() + "/";
    return model.regionMatches(true, 0, prefix, 0, prefix.length()) ? model.substring(prefix.length()) : model;
  }

  private Optional<Secret> apiKey(ConfigSection params) throws ConfigException {
    JsonNode raw = params.raw("api_key");
    Optional<String> key = params.string("api_key");
    if (key.isEmpty() && raw.isTextual()) {
      ConfigContext.variableName(raw.asText()).ifPresent(variable -> context.notice(
          "variable " + variable, "not set: deployments using it are called without a key"));
    }
    return key.filter(text -> !text.isBlank()).map(Secret::of);
  }

  private Optional<URI> apiBase(ConfigSection params) throws ConfigException {
    Optional<String> text = params.string("api_base");
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String path = params.childPath("api_base");
    try {
      URI uri = new URI(text.get().trim());
      boolean web = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
      if (!web || uri.getHost() == null) {
        throw context.error(path, "expected an http:// or https:// URL");
      }
      if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw context.error(path, "must not contain credentials, a query or a fragment");
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      throw context.error(path, "not a valid URL");
    }
  }

  /**
   * The master key: inline, or {@code os.environ/VAR} (default {@code LITELLM_MASTER_KEY}); when it comes from
   * {@code VAR_FILE}, SIGHUP re-reads that file and the old key works for {@code general_settings.rotation_grace}
   * seconds (default 3600).
   */
  private RotatingSecret masterKey(ConfigSection general) throws ConfigException {
    Optional<String> text = general.has("master_key") ? general.string("master_key")
        : Optional.of(ConfigContext.ENV_PREFIX + "LITELLM_MASTER_KEY");
    Optional<String> variable = text.flatMap(ConfigContext::variableName);
    Optional<RotatingSecret> key;
    if (variable.isPresent()) {
      java.time.Duration grace = general.seconds("rotation_grace", RotatingSecret.DEFAULT_GRACE);
      try {
        key = RotatingSecret.fromEnv("master_key", variable.get(), context.env(), grace, java.time.Clock.systemUTC(),
            RotatingSecret.Check.NONE);
      } catch (ConfigException e) {
        throw context.error("general_settings.master_key", e.getMessage());
      }
    } else {
      key = text.map(value -> RotatingSecret.fixed("master_key", Secret.of(value)));
    }
    if (key.isEmpty() || key.get().current().reveal().isBlank()) {
      throw context.error("general_settings.master_key",
          "a master key is required (set it here, e.g. os.environ/LITELLM_MASTER_KEY, or set LITELLM_MASTER_KEY)");
    }
    return key.get();
  }

  private RouterConfig.RoutingSettings routing(ConfigSection router, ConfigSection litellm, Set<String> groups)
      throws ConfigException {
    RouterConfig.RoutingSettings defaults = RouterConfig.RoutingSettings.defaults();
    long retries = router.has("num_retries")
        ? router.wholeNumber("num_retries", 0)
        : litellm.wholeNumber("num_retries", defaults.numRetries());
    if (retries > 10) {
      throw context.error("router_settings.num_retries", "at most 10");
    }
    long allowedFails = router.wholeNumber("allowed_fails", defaults.allowedFails());
    if (allowedFails < 1) {
      throw context.error("router_settings.allowed_fails", "must be at least 1");
    }
    if (router.bool("enable_pre_call_checks", false)) {
      context.notice("router_settings.enable_pre_call_checks", "context-window pre-call checks are not implemented yet");
    }
    RetryPolicyReader policies = new RetryPolicyReader(context);
    return new RouterConfig.RoutingSettings(strategy(router), (int) retries,
        router.seconds("retry_after", defaults.retryAfter()), (int) Math.min(allowedFails, Integer.MAX_VALUE),
        router.seconds("cooldown_time", defaults.cooldownTime()), !router.bool("disable_cooldowns", false),
        policies.policy(router), policies.groupPolicies(router, groups));
  }

  private RoutingStrategy strategy(ConfigSection router) throws ConfigException {
    Optional<String> name = router.string("routing_strategy");
    if (name.isEmpty()) {
      return RoutingStrategy.SIMPLE_SHUFFLE;
    }
    Optional<RoutingStrategy> strategy = RoutingStrategy.byConfigName(name.get());
    if (strategy.isPresent()) {
      return strategy.get();
    }
    Set<String> known = Set.of("usage-based-routing", "cost-based-routing");
    if (!known.contains(name.get())) {
      throw context.error("router_settings.routing_strategy", "unknown strategy");
    }
    context.notice("router_settings.routing_strategy", name.get() + " is not implemented yet; using simple-shuffle");
    return RoutingStrategy.SIMPLE_SHUFFLE;
  }

  private long maxRequestBytes(ConfigSection general) throws ConfigException {
    double megabytes = general.number("max_request_size_mb", -1);
    if (megabytes < 0) {
      return DEFAULT_MAX_REQUEST_BYTES;
    }
    if (megabytes == 0) {
      throw context.error("general_settings.max_request_size_mb", "must be more than 0");
    }
    return (long) (megabytes * 1024 * 1024);
  }

  private int maxParallelRequests(ConfigSection general) throws ConfigException {
    String key = general.has("max_parallel_requests") ? "max_parallel_requests" : "global_max_parallel_requests";
    long value = general.wholeNumber(key, DEFAULT_MAX_PARALLEL_REQUESTS);
    if (value < 1) {
      throw context.error("general_settings." + key, "must be at least 1");
    }
    return (int) Math.min(value, Integer.MAX_VALUE);
  }

  /** Metrics and JSON logs are always on and message content is never logged: note settings that ask otherwise. */
  private void checkObservability(ConfigSection litellm, ConfigSection general) throws ConfigException {
    for (String key : List.of("callbacks", "success_callback", "failure_callback", "service_callbacks")) {
      for (JsonNode callback : litellm.raw(key)) {
        if (!"prometheus".equals(callback.asText())) {
          context.notice(litellm.childPath(key), "only prometheus is supported (served at /metrics); others ignored");
        }
      }
    }
    if (!litellm.bool("json_logs", true)) {
      context.notice("litellm_settings.json_logs", "logs are always JSON lines");
    }
    if (!litellm.bool("turn_off_message_logging", true)) {
      context.notice("litellm_settings.turn_off_message_logging", "message content is never logged");
    }
    for (JsonNode alert : general.raw("alerting")) {
      if (!"log".equals(alert.asText())) {
        context.notice("general_settings.alerting", "only 'log' alerting is supported (decisions are logged)");
      }
    }
  }
}
