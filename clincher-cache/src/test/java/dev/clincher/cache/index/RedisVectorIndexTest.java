package dev.clincher.cache.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.embedding.Vectors;
import dev.clincher.cache.testing.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * The contract against a real Redis, plus what the shared store adds: several instances (replicas) in sync, the byte
 * bound, the replica's HNSW search against a linear scan, compact vectors.
 */
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
  VectorIndex index() { // each graph built at once, on the thread that found the namespace cold
    return new RedisVectorIndex(redis, prefix, new IndexBounds(BOUND, 1L << 20, 16), clock, Runnable::run);
  }

  @Test
  void aColdNamespaceIsServedByALinearScanWhileItsGraphIsBuiltAndNoChangeMeanwhileIsLost() {
    VectorIndex writer = index();
    writer.put("ns", "a", unit(1, 0, 0), Duration.ofMinutes(1));
    writer.put("ns", "b", unit(0, 1, 0), Duration.ofMinutes(1));
    List<Runnable> held = new ArrayList<>();
    RedisVectorIndex replica = new RedisVectorIndex(redis, prefix, new IndexBounds(BOUND, 1L << 20, 16), clock,
        held::add);
    assertThat(replica.nearest("ns", unit(1, 0, 0), 0.99f)).get().extracting(VectorIndex.Match::id).isEqualTo("a");
    assertThat(held).as("the graph build, held").hasSize(1);
    assertThat(replica.searchesGraph("ns")).isFalse();
    writer.put("ns", "c", unit(0, 0, 1), Duration.ofMinutes(1));
    writer.remove("ns", "b");
    assertThat(replica.nearest("ns", unit(0, 0, 1), 0.99f)).get().extracting(VectorIndex.Match::id).isEqualTo("c");
    assertThat(replica.nearest("ns", unit(0, 1, 0), 0.99f)).as("removed during the build").isEmpty();
    held.getFirst().run();
    assertThat(replica.searchesGraph("ns")).isTrue();
    assertThat(replica.nearest("ns", unit(1, 0, 0), 0.99f)).get().extracting(VectorIndex.Match::id).isEqualTo("a");
    assertThat(replica.nearest("ns", unit(0, 0, 1), 0.99f)).as("added during the build")
        .get().extracting(VectorIndex.Match::id).isEqualTo("c");
    assertThat(replica.nearest("ns", unit(0, 1, 0), 0.99f)).as("removed during the build").isEmpty();
  }

  @Test
  void aFailedBuildLeavesTheLinearScanServingAndIsStartedAgainAfterTheBackOff() {
    VectorIndex writer = index();
    writer.put("ns", "a", unit(1, 0, 0), Duration.ofHours(1));
    List<Runnable> held = new ArrayList<>();
    AtomicInteger refusals = new AtomicInteger(1);
    RedisVectorIndex replica = new RedisVectorIndex(redis, prefix, new IndexBounds(BOUND, 1L << 20, 16), clock,
        build -> {
          if (refusals.getAndDecrement() > 0) {
            throw new java.util.concurrent.RejectedExecutionException("full");
          }
          held.add(build);
        });
    assertThat(replica.nearest("ns", unit(1, 0, 0), 0.99f)).get().extracting(VectorIndex.Match::id).isEqualTo("a");
    assertThat(replica.nearest("ns", unit(1, 0, 0), 0.99f)).isPresent();
    assertThat(held).as("not retried before the back-off").isEmpty();
    clock.advance(RedisVectorIndex.BUILD_RETRY);
    assertThat(replica.nearest("ns", unit(1, 0, 0), 0.99f)).isPresent();
    assertThat(held).hasSize(1);
    held.getFirst().run();
    assertThat(replica.searchesGraph("ns")).isTrue();
    assertThat(replica.nearest("ns", unit(1, 0, 0), 0.99f)).get().extracting(VectorIndex.Match::id).isEqualTo("a");
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
    VectorIndex small = new RedisVectorIndex(redis, prefix, new IndexBounds(1, 1L << 20, 16), clock);
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
  void theByteBoundHoldsInRedisAndBothReplicasAgreeOnWhatRemains() {
    long threeEntries = 3 * IndexBounds.entryBytes("e0", 8);
    IndexBounds bounds = new IndexBounds(1000, threeEntries, 16);
    VectorIndex a = new RedisVectorIndex(redis, prefix, bounds, clock);
    VectorIndex b = new RedisVectorIndex(redis, prefix, bounds, clock);
    float[][] vectors = new float[6][];
    for (int i = 0; i < vectors.length; i++) {
      vectors[i] = new float[8];
      vectors[i][i] = 1;
    }
    for (int i = 0; i < 4; i++) { // A writes four, each expiring later than the one before: e0 is evicted first
      a.put("ns", "e" + i, vectors[i], Duration.ofMinutes(10).plusSeconds(i));
      assertThat(b.nearest("ns", vectors[i], 0.9f)).as("B has e" + i).isPresent();
    }
    b.put("ns", "e4", vectors[4], Duration.ofMinutes(10).plusSeconds(4)); // B evicts e1 in Redis
    assertThat(Long.parseLong(redis.get(prefix + "{ns}:bytes"))).isEqualTo(threeEntries);
    assertThat(a.size("ns")).isEqualTo(3);
    for (int i = 0; i < 5; i++) {
      boolean kept = i >= 2;
      assertThat(a.nearest("ns", vectors[i], 0.9f).isPresent()).as("A serves e" + i).isEqualTo(kept);
      assertThat(b.nearest("ns", vectors[i], 0.9f).isPresent()).as("B serves e" + i).isEqualTo(kept);
    }
    a.remove("ns", "e2");
    assertThat(Long.parseLong(redis.get(prefix + "{ns}:bytes"))).as("a removal gives its bytes back")
        .isEqualTo(2 * IndexBounds.entryBytes("e0", 8));
    assertThat(b.nearest("ns", vectors[2], 0.9f)).isEmpty();
  }

  @Test
  void aNamespaceWrittenWithoutTheByteCounterIsCountedAtItsNextPut() {
    VectorIndex index = index(1000);
    index.put("ns", "e0", unit(1, 0, 0), Duration.ofMinutes(1));
    index.put("ns", "e1", unit(0, 1, 0), Duration.ofMinutes(1));
    redis.del(prefix + "{ns}:bytes"); // as an earlier version left it
    index.put("ns", "e2", unit(0, 0, 1), Duration.ofMinutes(1));
    assertThat(Long.parseLong(redis.get(prefix + "{ns}:bytes"))).isEqualTo(3 * IndexBounds.entryBytes("e0", 3));
  }

  @Test
  void anEntryLargerThanTheByteBoundAloneIsKeptAndEvictsTheRest() {
    VectorIndex index = new RedisVectorIndex(redis, prefix,
        new IndexBounds(1000, IndexBounds.entryBytes("small", 3) + 1, 16), clock);
    index.put("ns", "small", unit(1, 0, 0), Duration.ofMinutes(1));
    float[] large = new float[64];
    large[0] = 1;
    index.put("ns", "large", large, Duration.ofMinutes(1));
    assertThat(index.size("ns")).isEqualTo(1);
    assertThat(index.nearest("ns", large, 0.9f)).get().extracting(VectorIndex.Match::id).isEqualTo("large");
    assertThat(index.nearest("ns", unit(1, 0, 0), 0.9f)).isEmpty();
  }

  @Test
  void theReplicaFindsTheSameNearestEntryAsALinearScan() {
    int entries = 3000;
    int dimensions = 64;
    RedisVectorIndex replica = new RedisVectorIndex(redis, prefix, new IndexBounds(entries, 1L << 30, 4), clock,
        Runnable::run);
    VectorIndex linear = new MemoryVectorIndex(entries, 4, clock);
    Random random = new Random(18);
    float[][] stored = new float[entries][];
    for (int i = 0; i < entries; i++) {
      stored[i] = randomUnit(random, dimensions);
      replica.put("ns", "e" + i, stored[i], Duration.ofMinutes(10));
      linear.put("ns", "e" + i, RedisVectorIndex.Float16.decode(RedisVectorIndex.Float16.encode(stored[i])),
          Duration.ofMinutes(10));
    }
    int queries = 500;
    int agree = 0;
    for (int q = 0; q < queries; q++) { // a stored question asked again in other words: cosine ~0.85-0.95
      float[] query = stored[random.nextInt(entries)].clone();
      float[] noise = randomUnit(random, dimensions);
      for (int d = 0; d < dimensions; d++) {
        query[d] += 0.4f * noise[d];
      }
      query = Vectors.normalised(query);
      Optional<VectorIndex.Match> expected = linear.nearest("ns", query, 0.5f);
      Optional<VectorIndex.Match> found = replica.nearest("ns", query, 0.5f);
      assertThat(expected).isPresent();
      if (found.map(VectorIndex.Match::id).equals(expected.map(VectorIndex.Match::id))) {
        agree++;
      }
    }
    assertThat(replica.searchesGraph("ns")).isTrue();
    assertThat(agree).as("top-1 agreement of " + queries + " queries").isGreaterThanOrEqualTo(495);
  }

  @Test
  void lookupsWhileAnotherInstanceWritesAndRemovesNeverFailNorServeAnotherEntry() throws Exception {
    VectorIndex writer = index(1000);
    VectorIndex reader = index(1000);
    Random random = new Random(5);
    float[][] vectors = new float[300][];
    for (int i = 0; i < vectors.length; i++) {
      vectors[i] = randomUnit(random, 32);
    }
    AtomicInteger written = new AtomicInteger();
    AtomicInteger wrong = new AtomicInteger();
    AtomicInteger lookups = new AtomicInteger();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> readers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        readers.add(threads.submit(() -> {
          Random pick = new Random(seed);
          long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
          while (written.get() < vectors.length && System.nanoTime() < deadline) {
            int i = pick.nextInt(Math.max(1, written.get()));
            Optional<VectorIndex.Match> match = reader.nearest("ns", vectors[i], 0.99f);
            lookups.incrementAndGet();
            if (match.isPresent() && !match.get().id().equals("e" + i)) {
              wrong.incrementAndGet();
            }
          }
        }));
      }
      for (int i = 0; i < vectors.length; i++) {
        writer.put("ns", "e" + i, vectors[i], Duration.ofMinutes(10));
        if (i % 3 == 2) {
          writer.remove("ns", "e" + (i - 1));
        }
        written.set(i + 1);
      }
      for (Future<?> each : readers) {
        each.get(90, TimeUnit.SECONDS); // rethrows a reader's exception
      }
    }
    assertThat(lookups.get()).isPositive();
    assertThat(wrong.get()).as("lookups that served another entry").isZero();
    for (int i = 0; i < vectors.length; i++) {
      boolean removed = i % 3 == 1;
      assertThat(reader.nearest("ns", vectors[i], 0.99f).isPresent()).as("e" + i).isEqualTo(!removed);
    }
  }

  private VectorIndex index(int maxEntries) {
    return new RedisVectorIndex(redis, prefix, new IndexBounds(maxEntries, 1L << 30, 16), clock);
  }

  private static float[] randomUnit(Random random, int dimensions) {
    float[] vector = new float[dimensions];
    for (int d = 0; d < dimensions; d++) {
      vector[d] = (float) random.nextGaussian();
    }
    return Vectors.normalised(vector);
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
    for (String part : new String[] {"ids", "seq", "vec", "ver", "bytes"}) {
      assertThat(redis.pttl(prefix + "{ns}:" + part)).as(part).isBetween(1L, 60_000L);
    }
  }

  @Test
  void redisDownIsABackendException() {
    RedisClient dead = RedisClient.create("127.0.0.1", 1);
    VectorIndex index = new RedisVectorIndex(dead, prefix, new IndexBounds(BOUND, 1L << 20, 16), clock);
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
