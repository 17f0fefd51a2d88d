package dev.clincher.cache.semantic;

import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.index.CacheBackendException;
import dev.clincher.cache.index.VectorIndex;
import dev.clincher.cache.store.EntryStore;
import dev.clincher.cache.verify.Verifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A response cache with an exact-match fast path and a lookup by meaning.
 *
 * <p>{@link #lookup}: first the exact key (a hash of the whole normalised request, scope included); then, when the key
 * has a question and an embedder is set, the nearest earlier question <em>within the same scope</em> whose cosine
 * similarity reaches the threshold, and, with a {@link Verifier}, which that stage accepts on the two questions' full
 * texts (the question is stored beside the answer for it). Every stored value carries its scope hash and is served
 * only to a request of the same scope, so neither a hash collision nor an index bug can hand one tenant's answer to another.
 *
 * <p>When the store fails ({@link CacheBackendException}), the cache answers {@link Lookup.Bypassed} and skips the
 * store for {@link #BYPASS_AFTER_FAILURE}, so a Redis outage costs requests nothing but their cache.
 */
public final class SemanticCache {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.cache");
  /** How long the store is skipped after it failed. */
  public static final Duration BYPASS_AFTER_FAILURE = Duration.ofSeconds(2);
  /**
   * The cosine threshold for a cache without verification stage, from {@code bench/cache/run} on 3,000 Quora question
   * pairs with all-MiniLM-L6-v2: 0.96 has the fewest wrong hits measured (15 % of hits; 0.80 has 32 %). With a
   * {@link Verifier} the candidates start at {@code VerificationModel.CANDIDATE_SIMILARITY} instead.
   */
  public static final float MINILM_THRESHOLD = 0.96f;

  /**
   * @param threshold     least cosine similarity of a semantic hit
   * @param ttl           time to live of every entry
   * @param maxEntryBytes values larger than this are not stored
   */
  public record Settings(float threshold, Duration ttl, int maxEntryBytes) {
    public Settings {
      if (!(threshold > 0 && threshold <= 1)) {
        throw new IllegalArgumentException("threshold must be in (0, 1]");
      }
      if (ttl.isNegative() || ttl.isZero() || maxEntryBytes < 1) {
        throw new IllegalArgumentException("ttl and maxEntryBytes must be positive");
      }
    }
  }

  private final Optional<Embedder> embedder;
  private final VectorIndex index;
  private final EntryStore store;
  private final Settings settings;
  private final Optional<Verifier> verifier;
  private volatile long bypassUntilNanos = System.nanoTime();

  /** A cache whose semantic hits need only the similarity threshold (no verification stage). */
  public SemanticCache(Optional<Embedder> embedder, VectorIndex index, EntryStore store, Settings settings) {
    this(embedder, index, store, settings, Optional.empty());
  }

  /**
   * @param embedder empty for an exact-match cache only
   * @param verifier accepts or rejects each semantic candidate on the two questions' full texts; empty: every
   *                 candidate at the threshold is a hit
   */
  public SemanticCache(Optional<Embedder> embedder, VectorIndex index, EntryStore store, Settings settings,
      Optional<Verifier> verifier) {
    this.embedder = Objects.requireNonNull(embedder, "embedder");
    this.index = Objects.requireNonNull(index, "index");
    this.store = Objects.requireNonNull(store, "store");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.verifier = Objects.requireNonNull(verifier, "verifier");
  }

  public Settings settings() {
    return settings;
  }

  /** The embedding model, when the cache matches by meaning. */
  public Optional<String> embeddingModel() {
    return embedder.map(Embedder::modelName);
  }

  /** An exact hit, else a semantic hit, else a miss; {@link Lookup.Bypassed} while the store is down. */
  public Lookup lookup(CacheKey key) {
    if (bypassing()) {
      return new Lookup.Bypassed("store_unavailable");
    }
    try {
      Optional<byte[]> exact = read(key, key.exactHash());
      if (exact.isPresent()) {
        return new Lookup.Hit(exact.get(), Lookup.Kind.EXACT, 1f, key.exactHash());
      }
      Optional<float[]> vector = embed(key);
      if (vector.isEmpty()) {
        return new Lookup.Miss(Optional.empty());
      }
      Optional<VectorIndex.Match> match = index.nearest(namespace(key), vector.get(), settings.threshold());
      if (match.isPresent()) {
        Optional<byte[]> value = read(key, match.get().id());
        if (value.isPresent() && verified(key, match.get())) {
          return new Lookup.Hit(value.get(), Lookup.Kind.SEMANTIC, match.get().similarity(), match.get().id());
        }
      }
      return new Lookup.Miss(vector);
    } catch (CacheBackendException e) {
      return failed(e);
    }
  }

  /**
   * Stores {@code value} for {@code key} (and its question, for semantic lookups). Returns false when it was not
   * stored: too large, or the store is down.
   *
   * @param miss what {@link #lookup} answered for this key (its embedding is reused)
   */
  public boolean store(CacheKey key, Lookup.Miss miss, byte[] value) {
    if (value.length > settings.maxEntryBytes() || bypassing()) {
      return false;
    }
    try {
      String id = key.exactHash();
      store.put(entryKey(id), envelope(key, value), settings.ttl());
      Optional<float[]> vector = miss.embedding().isPresent() ? miss.embedding() : embed(key);
      if (vector.isPresent()) {
        if (verifier.isPresent()) {
          store.put(questionKey(id), envelope(key, key.question().orElseThrow().getBytes(StandardCharsets.UTF_8)),
              settings.ttl());
        }
        index.put(namespace(key), id, vector.get(), settings.ttl());
      }
      return true;
    } catch (CacheBackendException e) {
      failed(e);
      return false;
    }
  }

  /** Whether the store answers (readiness). */
  public boolean healthy() {
    return store.ping();
  }

  /** Whether the verification stage accepts {@code match} for {@code key}'s question (always, without one). */
  private boolean verified(CacheKey key, VectorIndex.Match match) {
    if (verifier.isEmpty()) {
      return true;
    }
    Optional<String> cached = store.get(questionKey(match.id())).flatMap(stored -> open(key, stored))
        .map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    return cached.isPresent() // an entry stored without its question is never a semantic hit
        && verifier.get().check(key.question().orElseThrow(), cached.get(), match.similarity()).accepted();
  }

  private Optional<byte[]> read(CacheKey key, String id) {
    return store.get(entryKey(id)).flatMap(stored -> open(key, stored));
  }

  /** The value if {@code stored} belongs to {@code key}'s scope; never another scope's. */
  private static Optional<byte[]> open(CacheKey key, byte[] stored) {
    byte[] scope = key.scopeHash().getBytes(StandardCharsets.US_ASCII);
    if (stored.length <= scope.length || !Arrays.equals(stored, 0, scope.length, scope, 0, scope.length)) {
      LOG.atWarn().log("cache.entry.scope_mismatch");
      return Optional.empty();
    }
    return Optional.of(Arrays.copyOfRange(stored, scope.length, stored.length));
  }

  private static byte[] envelope(CacheKey key, byte[] value) {
    byte[] scope = key.scopeHash().getBytes(StandardCharsets.US_ASCII);
    byte[] stored = Arrays.copyOf(scope, scope.length + value.length);
    System.arraycopy(value, 0, stored, scope.length, value.length);
    return stored;
  }

  private Optional<float[]> embed(CacheKey key) {
    if (embedder.isEmpty() || key.question().isEmpty() || key.question().get().isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(embedder.get().embed(key.question().get()));
    } catch (RuntimeException e) {
      LOG.atWarn().addKeyValue("model", embedder.get().modelName()).addKeyValue("exception", e.getClass().getName())
          .log("cache.embedding.failed");
      return Optional.empty();
    }
  }

  /** The index namespace: the scope, and the embedding model (vectors of two models are never compared). */
  private String namespace(CacheKey key) {
    return CacheKey.sha256(embedder.map(Embedder::modelName).orElse("") + "\0" + key.scopeHash()).substring(0, 32);
  }

  private static String entryKey(String id) {
    return "e:" + id;
  }

  /** Where an entry's question is kept (in the scope's envelope) for the verification stage. */
  private static String questionKey(String id) {
    return "q:" + id;
  }

  private boolean bypassing() {
    return System.nanoTime() - bypassUntilNanos < 0;
  }

  private Lookup failed(CacheBackendException e) {
    bypassUntilNanos = System.nanoTime() + BYPASS_AFTER_FAILURE.toNanos();
    LOG.atWarn().addKeyValue("exception", e.getCause() == null ? e.getClass().getName()
        : e.getCause().getClass().getName()).log("cache.store.unavailable");
    return new Lookup.Bypassed("store_unavailable");
  }
}
