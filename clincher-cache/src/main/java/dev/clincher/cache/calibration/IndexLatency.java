package dev.clincher.cache.calibration;

import dev.clincher.cache.embedding.Vectors;
import dev.clincher.cache.index.MemoryVectorIndex;
import dev.clincher.cache.index.RedisVectorIndex;
import dev.clincher.cache.index.VectorIndex;
import dev.clincher.cache.store.RedisClients;
import dev.clincher.common.config.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.function.IntConsumer;
import redis.clients.jedis.RedisClient;

/**
 * Measures lookups in a full namespace (2,000 random 384-dimension unit vectors): the embedded index, the Redis
 * index with its mirror in sync, after another instance added one entry, and with a cold mirror; and puts.
 * Usage: {@code IndexLatency <redis host> <port> <password file> [entries]}.
 */
public final class IndexLatency {
  private static final int DIMS = 384;

  private IndexLatency() {}

  public static void main(String[] args) throws Exception {
    int entries = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
    Secret password = Secret.of(Files.readString(Path.of(args[2])).trim());
    RedisClients.Endpoint endpoint = new RedisClients.Endpoint(args[0], Integer.parseInt(args[1]), Optional.empty(),
        Optional.of(password), false, Duration.ofSeconds(2), 8);
    Random random = new Random(42);
    float[][] vectors = new float[entries + 2000][];
    for (int i = 0; i < vectors.length; i++) {
      float[] v = new float[DIMS];
      for (int d = 0; d < DIMS; d++) {
        v[d] = (float) random.nextGaussian();
      }
      vectors[i] = Vectors.normalised(v);
    }
    String prefix = "clincher-bench:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    Duration ttl = Duration.ofMinutes(5);
    try (RedisClient redis = RedisClients.open(endpoint)) {
      MemoryVectorIndex memory = new MemoryVectorIndex(entries, 10, Clock.systemUTC());
      RedisVectorIndex writer = new RedisVectorIndex(redis, prefix, entries, 10, Clock.systemUTC());
      RedisVectorIndex reader = new RedisVectorIndex(redis, prefix, entries, 10, Clock.systemUTC());
      for (int i = 0; i < entries; i++) {
        memory.put("ns", "e" + i, vectors[i], ttl);
      }
      System.out.printf(Locale.ROOT, "%d entries of %d dimensions per namespace; microseconds per operation%n",
          entries, DIMS);
      System.out.println("operation                                      p50      p99");
      report("redis put (Lua script, float16 vector)", time(entries, i -> writer.put("ns", "e" + i, vectors[i], ttl)));
      report("embedded index lookup", time(2000, i -> memory.nearest("ns", vectors[i % entries], 0.9f)));
      reader.nearest("ns", vectors[0], 0.9f); // warm the mirror
      report("redis lookup, mirror in sync (1 GET + scan)", time(2000, i -> reader.nearest("ns", vectors[i], 0.9f)));
      report("other instance put + lookup (1 vector fetched)", time(500, i -> {
        writer.put("ns", "n" + i, vectors[entries + i], ttl);
        reader.nearest("ns", vectors[i], 0.9f);
      }));
      report("redis lookup, cold mirror (all vectors fetched)", time(20, i ->
          new RedisVectorIndex(redis, prefix, entries, 10, Clock.systemUTC()).nearest("ns", vectors[i], 0.9f)));
      redis.del(prefix + "{ns}:ids", prefix + "{ns}:vec", prefix + "{ns}:ver");
    }
  }

  private static long[] time(int count, IntConsumer operation) {
    for (int i = 0; i < Math.min(200, count); i++) {
      operation.accept(i); // warm-up
    }
    long[] nanos = new long[count];
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      operation.accept(i);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    return nanos;
  }

  private static void report(String name, long[] sorted) {
    System.out.printf(Locale.ROOT, "%-45s %7.0f %8.0f%n", name, sorted[sorted.length / 2] / 1e3,
        sorted[(int) (sorted.length * 0.99)] / 1e3);
  }
}
