package dev.clincher.router.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.cache.index.IndexBounds;
import dev.clincher.cache.semantic.SemanticCache;
import dev.clincher.cache.store.RedisClients;
import dev.clincher.cache.verify.VerificationModel;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.ConfigLoader;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.config.Secret;
import dev.clincher.common.config.Secrets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code litellm_settings.cache} and {@code cache_params} of a LiteLLM {@code config.yaml}. Values may be
 * {@code os.environ/VAR} ({@code VAR_FILE} too). Types other than {@code local}, {@code redis} and
 * {@code redis-semantic} are refused at start-up, as are unknown keys.
 */
public final class CacheSettingsReader {
  /** Prefix of every key the router writes to Redis. */
  public static final String KEY_PREFIX = "clincher:cache:";
  /** LiteLLM's default TTL when {@code ttl} is absent. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);
  /** Largest answer stored. */
  public static final int DEFAULT_MAX_ENTRY_BYTES = 256 * 1024;
  /** The in-process model's name in {@code redis_semantic_cache_embedding_model}. */
  public static final String ONNX_MODEL = "all-minilm-l6-v2";
  private static final String PARAMS = "litellm_settings.cache_params";
  private static final Set<String> KEYS = Set.of("type", "host", "port", "password", "username", "ssl", "ttl",
      "similarity_threshold", "redis_semantic_cache_embedding_model", "supported_call_types", "namespace",
      "max_connections", "max_entry_bytes", "verification_threshold", "max_entries_per_namespace",
      "max_bytes_per_namespace", "max_namespaces", "disk_cache_dir");

  private final String source;
  private final Map<String, String> env;

  private CacheSettingsReader(String source, Map<String, String> env) {
    this.source = source;
    this.env = env;
  }

  /**
   * The cache settings of {@code file}, or empty when {@code litellm_settings.cache} is not true.
   *
   * @param modelNames the {@code model_name}s of {@code model_list} (an embedding model must be one of them)
   */
  public static Optional<CacheSettings> read(Path file, Map<String, String> env, Set<String> modelNames)
      throws ConfigException {
    JsonNode tree = new ConfigLoader(env).load(file);
    return new CacheSettingsReader(file.toString(), env).read(tree.path("litellm_settings"), modelNames);
  }

  /** Same for YAML text; {@code source} names it in errors. */
  public static Optional<CacheSettings> parse(String source, String yaml, Map<String, String> env,
      Set<String> modelNames) throws ConfigException {
    JsonNode tree = new ConfigLoader(env).parse(source, yaml);
    return new CacheSettingsReader(source, env).read(tree.path("litellm_settings"), modelNames);
  }

  private Optional<CacheSettings> read(JsonNode litellm, Set<String> modelNames) throws ConfigException {
    if (!"true".equalsIgnoreCase(text(litellm.path("cache"), "litellm_settings.cache").orElse("false"))) {
      return Optional.empty();
    }
    JsonNode params = litellm.path("cache_params");
    for (String key : iterable(params)) {
      if (!KEYS.contains(key)) {
        throw error(key, "unknown key (supported here: " + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
      }
    }
    CacheSettings.Type type = type(string(params, "type").orElse("local"));
    List<String> warnings = new ArrayList<>();
    Optional<String> model = string(params, "redis_semantic_cache_embedding_model")
        .filter(name -> !name.equalsIgnoreCase(ONNX_MODEL));
    if (model.isPresent() && !modelNames.contains(model.get())) {
      throw error("redis_semantic_cache_embedding_model", "'" + model.get() + "' is not a model_name of model_list"
          + " (or use " + ONNX_MODEL + ", the in-process model)");
    }
    boolean thresholdSet = params.has("similarity_threshold");
    float threshold = (float) number(params, "similarity_threshold", model.isPresent() ? SemanticCache.MINILM_THRESHOLD
        : VerificationModel.CANDIDATE_SIMILARITY);
    if (threshold <= 0 || threshold > 1) {
      throw error("similarity_threshold", "must be in (0, 1]");
    }
    Optional<Double> verification = Optional.empty();
    if (type.semantic(thresholdSet)) {
      warnAboutThreshold(threshold, model, warnings);
      verification = verificationThreshold(params, model, warnings);
    }
    for (JsonNode callType : params.path("supported_call_types")) {
      if (!Set.of("completion", "acompletion").contains(callType.asText())) {
        warnings.add(PARAMS + ".supported_call_types: only chat completions are cached ('" + callType.asText()
            + "' is not)");
      }
    }
    Duration ttl = Duration.ofMillis(Math.round(1000 * number(params, "ttl", DEFAULT_TTL.toSeconds())));
    if (ttl.isZero()) {
      throw error("ttl", "must be more than 0");
    }
    long maxEntry = (long) number(params, "max_entry_bytes", DEFAULT_MAX_ENTRY_BYTES);
    String prefix = KEY_PREFIX + string(params, "namespace").map(ns -> ns + ":").orElse("");
    Optional<RedisClients.Endpoint> redis = type == CacheSettings.Type.LOCAL ? Optional.empty()
        : Optional.of(endpoint(params));
    Optional<Path> directory = string(params, "disk_cache_dir").map(Path::of);
    if (directory.isPresent() && type != CacheSettings.Type.LOCAL) {
      throw error("disk_cache_dir", "only type local keeps its cache in a directory (Redis keeps it for type "
          + type.name().toLowerCase(Locale.ROOT).replace('_', '-') + ")");
    }
    return Optional.of(new CacheSettings(type, type.semantic(thresholdSet), redis, prefix, ttl, threshold,
        type.semantic(thresholdSet) ? model : Optional.empty(), verification, (int) Math.min(maxEntry, 64L << 20),
        bounds(params), directory, warnings));
  }

  private static void warnAboutThreshold(float threshold, Optional<String> model, List<String> warnings) {
    if (model.isPresent()) {
      warnings.add(String.format(Locale.ROOT, "%s.similarity_threshold %.2f with embedding model %s is not "
          + "calibrated and has no verification stage; with %s alone the seed's 0.80 served another question's "
          + "answer for 32%% of hits (bench/cache); the verified in-process model is the default", PARAMS, threshold,
          model.get(), ONNX_MODEL));
    } else if (threshold < VerificationModel.CANDIDATE_SIMILARITY) {
      warnings.add(String.format(Locale.ROOT, "%s.similarity_threshold %.2f: the verification stage rejects every "
          + "candidate below %.2f", PARAMS, threshold, VerificationModel.CANDIDATE_SIMILARITY));
    }
  }

  /** The verification stage's threshold: only for the in-process model, default the shipped model's. */
  private Optional<Double> verificationThreshold(JsonNode params, Optional<String> model, List<String> warnings)
      throws ConfigException {
    if (model.isPresent()) {
      if (params.has("verification_threshold")) {
        warnings.add(PARAMS + ".verification_threshold is ignored: the verification stage is trained for "
            + ONNX_MODEL + " only");
      }
      return Optional.empty();
    }
    VerificationModel shipped = VerificationModel.shipped();
    double threshold = number(params, "verification_threshold", shipped.threshold());
    if (threshold > 1) {
      throw error("verification_threshold", "must be in [0, 1]");
    }
    if (threshold < shipped.threshold()) {
      String measured = shipped.heldOut().at(threshold).map(row -> String.format(Locale.ROOT,
          "held-out precision %.1f%%, recall %.1f%%", 100 * row.precision(), 100 * row.recall()))
          .orElse("not measured below " + shipped.heldOut().curve().getFirst().threshold());
      warnings.add(String.format(Locale.ROOT, "%s.verification_threshold %.2f is below the default %.2f (which "
          + "meets precision %.2f on held-out question pairs): %s (bench/cache, docs/cache.md)", PARAMS, threshold,
          shipped.threshold(), VerificationModel.TARGET_PRECISION, measured));
    }
    return Optional.of(threshold);
  }

  private CacheSettings.Type type(String name) throws ConfigException {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "local" -> CacheSettings.Type.LOCAL;
      case "redis" -> CacheSettings.Type.REDIS;
      case "redis-semantic" -> CacheSettings.Type.REDIS_SEMANTIC;
      case "qdrant-semantic" -> throw error("type", "qdrant-semantic is not supported: use redis-semantic (plain "
          + "Redis, no module needed) or local");
      default -> throw error("type", "'" + name + "' is not supported (supported: local, redis, redis-semantic)");
    };
  }

  /** {@code max_entries_per_namespace}, {@code max_bytes_per_namespace}, {@code max_namespaces}. */
  private IndexBounds bounds(JsonNode params) throws ConfigException {
    IndexBounds defaults = IndexBounds.DEFAULTS;
    long entries = whole(params, "max_entries_per_namespace", defaults.maxEntriesPerNamespace(), Integer.MAX_VALUE);
    long bytes = whole(params, "max_bytes_per_namespace", defaults.maxBytesPerNamespace(), Long.MAX_VALUE);
    long namespaces = whole(params, "max_namespaces", defaults.maxNamespaces(), Integer.MAX_VALUE);
    return new IndexBounds((int) entries, bytes, (int) namespaces);
  }

  /** A whole number in [1, max]. */
  private long whole(JsonNode params, String key, long fallback, long max) throws ConfigException {
    double value = number(params, key, fallback);
    if (value < 1 || value > max || value != Math.rint(value)) {
      throw error(key, "expected a whole number from 1 to " + max);
    }
    return (long) value;
  }

  private RedisClients.Endpoint endpoint(JsonNode params) throws ConfigException {
    String host = string(params, "host").or(() -> Optional.ofNullable(env.get("REDIS_HOST"))).orElse("127.0.0.1");
    String portText = string(params, "port").or(() -> Optional.ofNullable(env.get("REDIS_PORT"))).orElse("6379");
    int port;
    try {
      port = Integer.parseInt(portText.trim());
    } catch (NumberFormatException e) {
      throw error("port", "expected a port number");
    }
    if (port < 1 || port > 65535) {
      throw error("port", "expected a port number");
    }
    Optional<RotatingSecret> password = password(params);
    boolean tls = "true".equalsIgnoreCase(string(params, "ssl").orElse("false"));
    int connections = (int) Math.min(1024, number(params, "max_connections", 64));
    return new RedisClients.Endpoint(host, port, string(params, "username"),
        password, tls, Duration.ofMillis(500), Math.max(1, connections));
  }

  /**
   * {@code password}: inline, or {@code os.environ/VAR} (default {@code REDIS_PASSWORD}); one from {@code VAR_FILE} is
   * re-read on SIGHUP and presented by new connections ({@code clincher rotate redis-password}).
   */
  private Optional<RotatingSecret> password(JsonNode params) throws ConfigException {
    String text = "os.environ/REDIS_PASSWORD";
    if (params.has("password")) {
      string(params, "password"); // refuses a list or a map, and an unset variable, naming the key
      text = params.path("password").asText();
    }
    Optional<RotatingSecret> password;
    try {
      password = text.startsWith("os.environ/")
          ? RotatingSecret.fromEnv("cache_redis_password", text.substring("os.environ/".length()), env,
              Duration.ZERO, java.time.Clock.systemUTC(), RotatingSecret.Check.NONE)
          : Optional.of(RotatingSecret.fixed("cache_redis_password", Secret.of(text)));
    } catch (ConfigException e) {
      throw new ConfigException(source, PARAMS + ".password", e.getMessage(), e);
    }
    return password.filter(value -> !value.current().reveal().isEmpty());
  }

  private Optional<String> string(JsonNode params, String key) throws ConfigException {
    return text(params.path(key), PARAMS + "." + key);
  }

  private Optional<String> text(JsonNode value, String path) throws ConfigException {
    if (value.isMissingNode() || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isValueNode()) {
      throw new ConfigException(source, path, "expected a single value");
    }
    String text = value.asText();
    return text.startsWith("os.environ/") ? resolve(text.substring("os.environ/".length()), path)
        : Optional.of(text);
  }

  private Optional<String> resolve(String variable, String path) throws ConfigException {
    try {
      return Secrets.fromEnv(variable, env);
    } catch (ConfigException e) {
      throw new ConfigException(source, path, e.getMessage(), e);
    }
  }

  private double number(JsonNode params, String key, double fallback) throws ConfigException {
    Optional<String> text = string(params, key);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      double value = Double.parseDouble(text.get().trim());
      if (!Double.isFinite(value) || value < 0) {
        throw error(key, "expected a number >= 0");
      }
      return value;
    } catch (NumberFormatException e) {
      throw error(key, "expected a number");
    }
  }

  private ConfigException error(String key, String reason) {
    return new ConfigException(source, PARAMS + "." + key, reason);
  }

  private static Iterable<String> iterable(JsonNode params) {
    List<String> keys = new ArrayList<>();
    params.fieldNames().forEachRemaining(keys::add);
    return keys;
  }
}
