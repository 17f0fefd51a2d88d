package dev.clincher.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.cache.index.MemoryVectorIndex;
import dev.clincher.cache.index.IndexBounds;
import dev.clincher.cache.index.RedisVectorIndex;
import dev.clincher.cache.index.VectorIndex;
import dev.clincher.cache.store.EntryStore;
import dev.clincher.cache.store.MemoryEntryStore;
import dev.clincher.cache.store.RedisEntryStore;
import dev.clincher.cache.testing.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** The cache over a real Redis with the real ONNX embedder. */
class SemanticCacheTest {
  private static Embedder embedder;
  private RedisClient redis;
  private SemanticCache cache;
  private final SemanticCache.Settings settings =
      new SemanticCache.Settings(SemanticCache.MINILM_THRESHOLD, Duration.ofMinutes(5), 4096);

  @BeforeAll
  static void loadModel() {
    embedder = new OnnxEmbedder();
  }

  @BeforeEach
  void connect() {
    redis = TestRedis.connect();
    String prefix = TestRedis.uniquePrefix();
    cache = new SemanticCache(Optional.of(embedder),
        new RedisVectorIndex(redis, prefix, new IndexBounds(100, 1L << 20, 100), Clock.systemUTC()),
        new RedisEntryStore(redis, prefix), settings);
  }

  @AfterEach
  void disconnect() {
    if (redis != null) { // null when connect() skipped the test: no Redis
      redis.close();
    }
  }

  static CacheKey key(String tenant, String question) {
    return new CacheKey("tenant=" + tenant + "|model=gpt|system=be brief", "messages=" + question,
        Optional.of(question));
  }

  private Lookup.Miss storeAnswer(CacheKey key, String answer) {
    Lookup first = cache.lookup(key);
    assertThat(first).isInstanceOf(Lookup.Miss.class);
    assertThat(cache.store(key, (Lookup.Miss) first, answer.getBytes(StandardCharsets.UTF_8))).isTrue();
    return (Lookup.Miss) first;
  }

  @Test
  void theSameRequestIsAnExactHit() {
    storeAnswer(key("a", "What is the capital of France?"), "Paris");
    Lookup again = cache.lookup(key("a", "What is the capital of France?"));
    assertThat(again).isInstanceOfSatisfying(Lookup.Hit.class, hit -> {
      assertThat(hit.kind()).isEqualTo(Lookup.Kind.EXACT);
      assertThat(new String(hit.value(), StandardCharsets.UTF_8)).isEqualTo("Paris");
    });
  }

  @Test
  void aParaphraseIsASemanticHitAndAnUnrelatedQuestionIsNot() {
    storeAnswer(key("a", "How can I reset my password?"), "Use the link on the login page");
    Lookup paraphrase = cache.lookup(key("a", "How do I reset my password?"));
    assertThat(paraphrase).isInstanceOfSatisfying(Lookup.Hit.class, hit -> {
      assertThat(hit.kind()).isEqualTo(Lookup.Kind.SEMANTIC);
      assertThat(hit.similarity()).isGreaterThanOrEqualTo(SemanticCache.MINILM_THRESHOLD);
      assertThat(new String(hit.value(), StandardCharsets.UTF_8)).isEqualTo("Use the link on the login page");
    });
    assertThat(cache.lookup(key("a", "What is the best pizza topping?"))).isInstanceOf(Lookup.Miss.class);
  }

  @Test
  void anotherTenantNeverGetsTheAnswerExactOrSemantic() {
    storeAnswer(key("a", "How can I reset my password?"), "tenant a's secret answer");
    assertThat(cache.lookup(key("b", "How can I reset my password?"))).isInstanceOf(Lookup.Miss.class);
    assertThat(cache.lookup(key("b", "How do I reset my password?"))).isInstanceOf(Lookup.Miss.class);
  }

  @Test
  void anEntryOfAnotherScopeIsRefusedEvenIfTheIndexPointsAtIt() {
    // An index that answers every lookup with tenant a's entry (a broken or colliding index): the envelope check
    // still refuses to serve it to tenant b.
    CacheKey victim = key("a", "What is my account number?");
    MemoryEntryStore store = new MemoryEntryStore(1 << 20, Clock.systemUTC());
    VectorIndex rogue = new VectorIndex() {
      @Override
      public void put(String namespace, String id, float[] vector, Duration ttl) {}

      @Override
      public Optional<Match> nearest(String namespace, float[] vector, float min) {
        return Optional.of(new Match(victim.exactHash(), 1f));
      }

      @Override
      public int size(String namespace) {
        return 1;
      }
    };
    SemanticCache local = new SemanticCache(Optional.of(embedder), rogue, store, settings);
    assertThat(local.store(victim, new Lookup.Miss(Optional.empty()), "12345".getBytes(StandardCharsets.UTF_8)))
        .isTrue();
    assertThat(local.lookup(key("b", "What is my account number?"))).isInstanceOf(Lookup.Miss.class);
    assertThat(local.lookup(victim)).isInstanceOf(Lookup.Hit.class);
  }

  @Test
  void entriesOverTheSizeLimitAreNotStored() {
    CacheKey key = key("a", "Write a long essay");
    Lookup.Miss miss = (Lookup.Miss) cache.lookup(key);
    assertThat(cache.store(key, miss, new byte[4097])).isFalse();
    assertThat(cache.lookup(key)).isInstanceOf(Lookup.Miss.class);
  }

  @Test
  void anExactOnlyCacheNeverMatchesParaphrases() {
    String prefix = TestRedis.uniquePrefix();
    SemanticCache exact = new SemanticCache(Optional.empty(),
        new RedisVectorIndex(redis, prefix, new IndexBounds(100, 1L << 20, 100), Clock.systemUTC()),
        new RedisEntryStore(redis, prefix), settings);
    CacheKey key = key("a", "How can I reset my password?");
    exact.store(key, (Lookup.Miss) exact.lookup(key), "x".getBytes(StandardCharsets.UTF_8));
    assertThat(exact.lookup(key)).isInstanceOf(Lookup.Hit.class);
    assertThat(exact.lookup(key("a", "How do I reset my password?"))).isInstanceOf(Lookup.Miss.class);
  }

  @Test
  void redisDownBypassesTheCacheAndReportsUnhealthy() {
    RedisClient dead = RedisClient.create("127.0.0.1", 1);
    try {
      SemanticCache down = new SemanticCache(Optional.of(embedder),
          new RedisVectorIndex(dead, "x:", new IndexBounds(10, 1L << 20, 10), Clock.systemUTC()),
          new RedisEntryStore(dead, "x:"), settings);
      CacheKey key = key("a", "anything");
      assertThat(down.lookup(key)).isInstanceOf(Lookup.Bypassed.class);
      assertThat(down.store(key, new Lookup.Miss(Optional.empty()), new byte[1])).isFalse();
      assertThat(down.healthy()).isFalse();
    } finally {
      dead.close();
    }
    assertThat(cache.healthy()).isTrue();
  }

  @Test
  void entriesExpire() {
    EntryStore store = new MemoryEntryStore(1 << 20, Clock.systemUTC());
    dev.clincher.cache.testing.ManualClock clock = dev.clincher.cache.testing.ManualClock.now();
    SemanticCache local = new SemanticCache(Optional.of(embedder), new MemoryVectorIndex(10, 10, clock),
        new MemoryEntryStore(1 << 20, clock), settings);
    CacheKey key = key("a", "How can I reset my password?");
    local.store(key, (Lookup.Miss) local.lookup(key), "x".getBytes(StandardCharsets.UTF_8));
    assertThat(local.lookup(key("a", "How do I reset my password?"))).isInstanceOf(Lookup.Hit.class);
    clock.advance(Duration.ofMinutes(6));
    assertThat(local.lookup(key)).isInstanceOf(Lookup.Miss.class);
    assertThat(local.lookup(key("a", "How do I reset my password?"))).isInstanceOf(Lookup.Miss.class);
    assertThat(store.ping()).isTrue();
  }
}
