package dev.clincher.router.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.cache.index.IndexBounds;
import dev.clincher.cache.index.LuceneVectorIndex;
import dev.clincher.cache.index.RedisVectorIndex;
import dev.clincher.cache.index.VectorIndex;
import dev.clincher.cache.semantic.CacheKey;
import dev.clincher.cache.semantic.Lookup;
import dev.clincher.cache.semantic.SemanticCache;
import dev.clincher.cache.store.EntryStore;
import dev.clincher.cache.store.LuceneEntryStore;
import dev.clincher.cache.store.MemoryEntryStore;
import dev.clincher.cache.store.RedisClients;
import dev.clincher.cache.store.RedisEntryStore;
import dev.clincher.cache.verify.Verifier;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.keys.Caller;
import dev.clincher.router.provider.Providers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * The router's response cache in front of the providers: per request a {@link Ticket} looks the request up, sets
 * {@code x-clincher-cache: hit|miss} and LiteLLM's {@code x-litellm-cache-key}, and stores the answer when it
 * succeeded and is cacheable ({@link CachedAnswers#cacheable}). A client opts out per request with LiteLLM's
 * {@code "cache": {"no-cache": true}} (do not read) or {@code {"no-store": true}} (do not write); the {@code cache}
 * field is never sent upstream. Meters: {@code clincher_router_cache_hits_total{model,kind}},
 * {@code clincher_router_cache_misses_total{model}} (and LiteLLM's {@code litellm_cache_hits_metric_total{model}},
 * {@code litellm_cache_misses_metric_total{model}}), {@code clincher_router_cache_errors_total{model}} (store down,
 * cache bypassed), {@code clincher_router_cache_lookup_duration_seconds}.
 */
public final class ResponseCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  /** Bytes of answers the embedded store keeps. */
  public static final long LOCAL_MAX_BYTES = 64L << 20;
  /** Under {@code disk_cache_dir}: the vector index, and the answers. */
  static final String INDEX_DIRECTORY = "index";
  static final String VALUES_DIRECTORY = "values";

  private final Optional<SemanticCache> cache;
  private final Optional<RedisClient> redis;
  /** The index and the store, closed (the embedded ones commit to disk) before the Redis client. */
  private final List<AutoCloseable> parts;
  private final RequestKeys keys;
  private final CachedAnswers answers;
  private final Metrics metrics;
  private final ObjectMapper json;

  private ResponseCache(Optional<SemanticCache> cache, Optional<RedisClient> redis, List<AutoCloseable> parts,
      Metrics metrics, ObjectMapper json) {
    this.cache = cache;
    this.redis = redis;
    this.parts = parts;
    this.keys = new RequestKeys(json);
    this.answers = new CachedAnswers(json);
    this.metrics = metrics;
    this.json = json;
  }

  /** No caching (only strips the {@code cache} field from requests). */
  public static ResponseCache disabled(Metrics metrics, ObjectMapper json) {
    return new ResponseCache(Optional.empty(), Optional.empty(), List.of(), metrics, json);
  }

  /**
   * The cache {@code settings} describe.
   *
   * @param deployments finds a deployment of a {@code model_name} (for an embedding model of {@code model_list})
   */
  public static ResponseCache create(CacheSettings settings, Function<String, Optional<DeploymentConfig>> deployments,
      Providers providers, Metrics metrics, ObjectMapper json) {
    Optional<RedisClient> redis = settings.redis().map(RedisClients::open);
    Clock clock = Clock.systemUTC();
    IndexBounds bounds = settings.bounds();
    VectorIndex index = redis.<VectorIndex>map(client -> new RedisVectorIndex(client, settings.keyPrefix(), bounds,
        clock))
        .orElseGet(() -> settings.directory()
            .map(directory -> LuceneVectorIndex.open(directory.resolve(INDEX_DIRECTORY), bounds, clock))
            .orElseGet(() -> LuceneVectorIndex.inMemory(bounds, clock)));
    EntryStore store = redis.<EntryStore>map(client -> new RedisEntryStore(client, settings.keyPrefix()))
        .orElseGet(() -> settings.directory()
            .<EntryStore>map(directory -> LuceneEntryStore.open(directory.resolve(VALUES_DIRECTORY), LOCAL_MAX_BYTES,
                clock))
            .orElseGet(() -> new MemoryEntryStore(LOCAL_MAX_BYTES, clock)));
    Optional<Embedder> embedder = Optional.empty();
    if (settings.semantic()) {
      embedder = Optional.of(settings.embeddingModel()
          .<Embedder>map(name -> new RouterEmbedder(deployments.apply(name).orElseThrow(), providers, json))
          .orElseGet(OnnxEmbedder::new));
    }
    SemanticCache semantic = new SemanticCache(embedder, index, store,
        new SemanticCache.Settings(settings.threshold(), settings.ttl(), settings.maxEntryBytes()),
        settings.verificationThreshold().map(Verifier::shipped));
    return new ResponseCache(Optional.of(semantic), redis, List.of(index, store), metrics, json);
  }

  /** Whether a cache is configured. */
  public boolean enabled() {
    return cache.isPresent();
  }

  /** Whether the cache lives in Redis (readiness then checks it). */
  public boolean usesRedis() {
    return redis.isPresent();
  }

  /** Whether the cache's store answers. */
  public boolean healthy() {
    return cache.map(SemanticCache::healthy).orElse(true);
  }

  /** Starts serving one chat request: removes {@code cache} from {@code body} and reads the client's wishes. */
  public Ticket open(Caller caller, String group, ObjectNode body) {
    JsonNode control = body.remove("cache");
    boolean read = control == null || !control.path("no-cache").asBoolean(false);
    boolean write = control == null || !control.path("no-store").asBoolean(false);
    Optional<CacheKey> key = cache.map(c -> keys.key(caller.name(), group, c.embeddingModel().orElse(""), body));
    return new Ticket(group, key, read, write);
  }

  @Override
  public void close() {
    for (AutoCloseable part : parts) {
      try {
        part.close();
      } catch (Exception e) {
        LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("router.cache.close_failed");
      }
    }
    redis.ifPresent(RedisClient::close);
  }

  /** One request's use of the cache. */
  public final class Ticket {
    private final String group;
    private final Optional<CacheKey> key;
    private final boolean read;
    private final boolean write;
    private Lookup lookup = new Lookup.Miss(Optional.empty());
    private List<String> chunks = new java.util.ArrayList<>();
    private long collectedChars;

    private Ticket(String group, Optional<CacheKey> key, boolean read, boolean write) {
      this.group = group;
      this.key = key;
      this.read = read;
      this.write = write;
    }

    /** The cached completion, if any (looks up once; counts and times the lookup). */
    public Optional<ObjectNode> hit() {
      if (key.isEmpty() || !read) {
        return Optional.empty();
      }
      long start = System.nanoTime();
      lookup = cache.orElseThrow().lookup(key.get());
      Timer.builder(metrics.name("cache.lookup.duration")).tag("model", group).register(metrics.registry())
          .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
      switch (lookup) {
        case Lookup.Hit hit -> {
          Optional<ObjectNode> completion = parse(hit.value());
          count(completion.isPresent() ? "hits" : "misses", completion.isPresent() ? hit.kind().name().toLowerCase(
              java.util.Locale.ROOT) : null);
          return completion;
        }
        case Lookup.Miss miss -> count("misses", null);
        case Lookup.Bypassed bypassed -> {
          count("misses", null);
          count("errors", null);
        }
      }
      return Optional.empty();
    }

    /** Sets the cache headers (call after {@link #hit()}). */
    public void headers(boolean hit, BiConsumer<String, String> header) {
      if (key.isEmpty()) {
        return;
      }
      header.accept("x-clincher-cache", hit ? "hit" : "miss");
      header.accept("x-litellm-cache-key", lookup instanceof Lookup.Hit found ? found.entryKey() : key.get().exactHash());
    }

    /** Whether a streamed answer should be collected for {@link #storeStream}. */
    public boolean storing() {
      return key.isPresent() && write && !(lookup instanceof Lookup.Bypassed);
    }

    /** Stores a successful non-streamed answer if it is cacheable. */
    public void store(ObjectNode completion) {
      if (storing() && CachedAnswers.cacheable(completion)) {
        save(completion);
      }
    }

    /** Keeps one relayed chunk for {@link #streamEnded()} (bounded: a too long stream is not stored). */
    public void collect(String chunk) {
      if (!storing() || chunks == null) {
        return;
      }
      collectedChars += chunk.length();
      if (collectedChars > 2L * cache.orElseThrow().settings().maxEntryBytes()) {
        chunks = null;
      } else {
        chunks.add(chunk);
      }
    }

    /** The stream ended with {@code [DONE]}: stores it if its chunks add up to a cacheable answer. */
    public void streamEnded() {
      if (storing() && chunks != null) {
        answers.assemble(chunks).ifPresent(this::save);
      }
    }

    /** The chunks that replay {@code completion} to a streaming client. */
    public List<String> replay(ObjectNode completion, boolean includeUsage) {
      return answers.chunks(completion, includeUsage);
    }

    private void save(ObjectNode completion) {
      Lookup.Miss miss = lookup instanceof Lookup.Miss m ? m : new Lookup.Miss(Optional.empty());
      try {
        cache.orElseThrow().store(key.orElseThrow(), miss, json.writeValueAsBytes(completion));
      } catch (IOException e) {
        LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("router.cache.store_failed");
      }
    }

    private void count(String what, String kind) {
      Counter.Builder counter = Counter.builder(metrics.name("cache." + what)).tag("model", group);
      if (kind != null) {
        counter.tag("kind", kind);
      }
      counter.register(metrics.registry()).increment();
      if (!what.equals("errors")) { // LiteLLM's names, so its dashboards' cache panels work
        Counter.builder("litellm_cache_" + what + "_metric").tag("model", group).register(metrics.registry())
            .increment();
      }
    }

    private Optional<ObjectNode> parse(byte[] value) {
      try {
        JsonNode node = json.readTree(value);
        return node instanceof ObjectNode object ? Optional.of(object) : Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      }
    }
  }
}
