package dev.clincher.cache.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.testing.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** The contract against a real Redis, plus what the shared store adds: several instances, compact vectors. */
class RedisVectorIndexTest extends VectorIndexContract {
  private RedisClient redis;
  private String prefix;

  @BeforeEach
  void connect() {
    redis = TestRedis.connect();
    prefix = TestRedis.uniquePrefix();
  }

  @AfterEach
  void disconnect() {
    if (redis != null) { // null when connect() skipped the test: no Redis
      redis.close();
    }
  }

  @Override
  VectorIndex index() {
    return new RedisVectorIndex(redis, prefix, BOUND, 16, clock);
  }

  @Test
  void instancesShareEntriesThroughRedis() {
    VectorIndex writer = index();
    VectorIndex reader = index();
    assertThat(reader.nearest("ns", unit(1, 0, 0), 0.9f)).isEmpty();
    writer.put("ns", "x", unit(1, 0, 0), Duration.ofMinutes(1));
    assertThat(reader.nearest("ns", unit(1, 0, 0), 0.9f)).as("the reader's mirror catches up").isPresent();
    writer.put("ns", "x", unit(0, 0, 1), Duration.ofMinutes(1));
    writer.put("ns", "y", unit(0, 1, 0), Duration.ofMinutes(1));
    assertThat(reader.nearest("ns", unit(0, 1, 0), 0.9f)).get().extracting(VectorIndex.Match::id).isEqualTo("y");
  }

  @Test
  void aRemovalOrAnEvictionByOneInstanceReachesTheOthersMirror() {
    VectorIndex writer = index();
    VectorIndex reader = index();
    writer.put("ns", "x", unit(1, 0, 0), Duration.ofMinutes(1));
    writer.put("ns", "y", unit(0, 1, 0), Duration.ofMinutes(1));
    assertThat(reader.nearest("ns", unit(1, 0, 0), 0.9f)).as("mirror loaded").isPresent();
    writer.remove("ns", "x");
    assertThat(reader.nearest("ns", unit(1, 0, 0), 0.9f)).as("removed by the writer").isEmpty();
    assertThat(reader.nearest("ns", unit(0, 1, 0), 0.9f)).isPresent();
    // The writer's bound is 1 here: its put evicts y in Redis, and the reader (bound 3) must drop y too.
    VectorIndex small = new RedisVectorIndex(redis, prefix, 1, 16, clock);
    small.put("ns", "z", unit(0, 0, 1), Duration.ofMinutes(1));
    assertThat(reader.nearest("ns", unit(0, 1, 0), 0.9f)).as("evicted in Redis").isEmpty();
    assertThat(reader.nearest("ns", unit(0, 0, 1), 0.9f)).isPresent();
  }

  @Test
  void anEntryExpiredInRedisLeavesTheOtherMirrorAtItsNextSync() {
    VectorIndex writer = index();
    VectorIndex reader = index();
    writer.put("ns", "short", unit(1, 0, 0), Duration.ofSeconds(10));
    assertThat(reader.nearest("ns", unit(1, 0, 0), 0.9f)).isPresent();
    clock.advance(Duration.ofSeconds(11));
    writer.put("ns", "other", unit(0, 1, 0), Duration.ofMinutes(1)); // drops the expired entry in Redis
    assertThat(reader.nearest("ns", unit(1, 0, 0), 0.5f)).isEmpty();
    assertThat(redis.zscore(prefix + "{ns}:ids", "short")).isNull();
  }

  @Test
  void theChangeLogStaysBoundedAndAFarBehindMirrorReloads() {
    VectorIndex reader = index();
    VectorIndex writer = index();
    reader.nearest("ns", unit(1, 0, 0), 0.5f); // an empty mirror at version 0
    for (int i = 0; i < 20; i++) {
      float[] vector = new float[20];
      vector[i] = 1;
      writer.put("ns", "e" + i, vector, Duration.ofMinutes(1));
      if (i % 2 == 1) {
        writer.remove("ns", "e" + (i - 1));
      }
    }
    assertThat(redis.zcard(prefix + "{ns}:seq")).as("changes older than the bound are forgotten")
        .isLessThanOrEqualTo(2L * BOUND + 2);
    float[] last = new float[20];
    last[19] = 1;
    assertThat(reader.nearest("ns", last, 0.9f)).get().extracting(VectorIndex.Match::id).isEqualTo("e19");
    float[] removed = new float[20];
    removed[18] = 1;
    assertThat(reader.nearest("ns", removed, 0.9f)).isEmpty();
  }

  @Test
  void storesVectorsAsFloat16AndEveryKeyHasATtl() {
    VectorIndex index = index();
    float[] vector = new float[384];
    vector[7] = 1;
    index.put("ns", "x", vector, Duration.ofMinutes(1));
    byte[] stored = redis.hget((prefix + "{ns}:vec").getBytes(StandardCharsets.UTF_8),
        "x".getBytes(StandardCharsets.UTF_8));
    assertThat(stored).hasSize(768);
    for (String part : new String[] {"ids", "seq", "vec", "ver"}) {
      assertThat(redis.pttl(prefix + "{ns}:" + part)).as(part).isBetween(1L, 60_000L);
    }
  }

  @Test
  void redisDownIsABackendException() {
    RedisClient dead = RedisClient.create("127.0.0.1", 1);
    VectorIndex index = new RedisVectorIndex(dead, prefix, BOUND, 16, clock);
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> index.nearest("ns", unit(1, 0), 0.5f))
          .isInstanceOf(CacheBackendException.class);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> index.put("ns", "x", unit(1, 0), Duration.ofMinutes(1)))
          .isInstanceOf(CacheBackendException.class);
    } finally {
      dead.close();
    }
  }
}
