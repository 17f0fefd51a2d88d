package dev.clincher.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.cache.index.IndexBounds;
import dev.clincher.cache.index.RedisVectorIndex;
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

/** Two caches, as two router replicas would hold them, sharing the real test Redis: each serves the other's entries. */
class SharedRedisCacheTest {
  private static Embedder embedder;
  private RedisClient redisOfA;
  private RedisClient redisOfB;
  private SemanticCache routerA;
  private SemanticCache routerB;

  @BeforeAll
  static void loadModel() {
    embedder = new OnnxEmbedder();
  }

  @BeforeEach
  void connect() {
    redisOfA = TestRedis.connect();
    redisOfB = TestRedis.connect();
    String prefix = TestRedis.uniquePrefix();
    SemanticCache.Settings settings =
        new SemanticCache.Settings(SemanticCache.MINILM_THRESHOLD, Duration.ofMinutes(5), 4096);
    IndexBounds bounds = new IndexBounds(100, 1L << 20, 10);
    routerA = new SemanticCache(Optional.of(embedder), new RedisVectorIndex(redisOfA, prefix, bounds,
        Clock.systemUTC()), new RedisEntryStore(redisOfA, prefix), settings);
    routerB = new SemanticCache(Optional.of(embedder), new RedisVectorIndex(redisOfB, prefix, bounds,
        Clock.systemUTC()), new RedisEntryStore(redisOfB, prefix), settings);
  }

  @AfterEach
  void disconnect() {
    for (RedisClient client : new RedisClient[] {redisOfA, redisOfB}) {
      if (client != null) {
        client.close();
      }
    }
  }

  private static void store(SemanticCache cache, String question, String answer) {
    CacheKey key = SemanticCacheTest.key("t", question);
    Lookup miss = cache.lookup(key);
    assertThat(miss).isInstanceOf(Lookup.Miss.class);
    assertThat(cache.store(key, (Lookup.Miss) miss, answer.getBytes(StandardCharsets.UTF_8))).isTrue();
  }

  private static String answer(SemanticCache cache, String question) {
    Lookup lookup = cache.lookup(SemanticCacheTest.key("t", question));
    return lookup instanceof Lookup.Hit hit ? new String(hit.value(), StandardCharsets.UTF_8) : "(" + lookup + ")";
  }

  @Test
  void eachReplicaServesWhatTheOtherStored() {
    assertThat(answer(routerB, "How do I reset my password?")).startsWith("(Miss"); // B's mirror is loaded, empty
    store(routerA, "How can I reset my password?", "Use the link on the login page");
    assertThat(answer(routerB, "How can I reset my password?")).isEqualTo("Use the link on the login page");
    assertThat(answer(routerB, "How do I reset my password?")).as("semantic, through B's mirror")
        .isEqualTo("Use the link on the login page");
    store(routerB, "What is the capital of France?", "Paris");
    assertThat(answer(routerA, "What's the capital of France?")).isEqualTo("Paris");
    assertThat(answer(routerA, "What is the best pizza topping?")).startsWith("(Miss");
  }
}
