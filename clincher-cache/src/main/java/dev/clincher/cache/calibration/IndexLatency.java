package dev.clincher.cache.calibration;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.cache.embedding.Vectors;
import dev.clincher.cache.index.IndexBounds;
import dev.clincher.cache.index.LuceneVectorIndex;
import dev.clincher.cache.index.RedisVectorIndex;
import dev.clincher.cache.index.VectorIndex;
import dev.clincher.cache.store.EntryStore;
import dev.clincher.cache.store.MemoryEntryStore;
import dev.clincher.cache.store.RedisClients;
import dev.clincher.cache.store.RedisEntryStore;
import dev.clincher.common.config.Secret;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import redis.clients.jedis.RedisClient;

/**
 * The cache at scale: for each backend (embedded Lucene HNSW on disk; Redis with its local mirror) and each size, a
 * namespace filled with random 384-dimension unit vectors, then
 * <ul>
 *   <li><b>search alone</b>: {@code nearest} of a random vector;</li>
 *   <li><b>lookup</b>: what {@code SemanticCache.lookup} does on a miss: the exact-key read, the embedding of a real
 *       question (all-MiniLM-L6-v2, in process) and the search;</li>
 *   <li><b>memory per entry</b>: heap (and disk, or Redis memory) after filling, divided by the entries;</li>
 *   <li><b>cold start</b>: opening the filled index anew (embedded: from its files; Redis: a new replica loading
 *       its mirror) up to its first answer.</li>
 * </ul>
 * Prints each figure beside its target (2 cores: lookup p50 ≤ 3 ms at 100k, search p50 ≤ 0.5 ms, cold start ≤ 10 s).
 * Usage: {@code IndexLatency <questions.jsonl> <redis host> <port> <password file|-> [sizes…]}.
 */
public final class IndexLatency {
  private static final int DIMS = 384;
  private static final Duration TTL = Duration.ofHours(1);
  private static final double LOOKUP_P50_MS = 3;
  private static final double SEARCH_P50_MS = 0.5;
  private static final double COLD_START_S = 10;
  /** {@code -Dbench.embeddedOnly=true}: skip the Redis rows. */
  private static final boolean EMBEDDED_ONLY = Boolean.getBoolean("bench.embeddedOnly");
  /** {@code -Dbench.redisOnly=true}: skip the embedded rows. */
  private static final boolean REDIS_ONLY = Boolean.getBoolean("bench.redisOnly");
  /** Lookups timed while a cold start's graph is built (the linear scan). */
  private static final int BUILD_LOOKUPS = 50;
  /** How long a graph build is waited for at most. */
  private static final Duration GRAPH_WAIT = Duration.ofMinutes(20);

  private IndexLatency() {}

  /** One backend under test: how to open it (again) and how much it holds outside this JVM's heap. */
  private interface Backend {
    String name();

    VectorIndex open();

    EntryStore store();

    /** Bytes held outside the heap (index files, Redis memory). */
    long outsideHeapBytes();

    /** What {@code nearest} reads from outside before it searches (Redis: the namespace's version; embedded: none). */
    default void readVersion() {}

    /** Whether {@code index} searches its graph yet (Redis: built in the background after a cold start). */
    default boolean graphReady(VectorIndex index) {
      return true;
    }

    void clear();
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: IndexLatency <questions.jsonl> <redis host> <port> <password file|-> [sizes…]");
      System.exit(2);
    }
    List<String> questions = questions(Path.of(args[0]), 2000);
    int[] sizes = args.length > 4 ? Stream.of(args).skip(4).mapToInt(Integer::parseInt).toArray()
        : new int[] {1_000, 10_000, 100_000};
    Optional<dev.clincher.common.config.RotatingSecret> password = args[3].equals("-") ? Optional.empty()
        : Optional.of(dev.clincher.common.config.RotatingSecret.fixed("redis_password",
            Secret.of(Files.readString(Path.of(args[3])).trim())));
    RedisClients.Endpoint endpoint = new RedisClients.Endpoint(args[1], Integer.parseInt(args[2]), Optional.empty(),
        password, false, Duration.ofSeconds(5), 8);
    Embedder embedder = new OnnxEmbedder();
    System.out.printf(Locale.ROOT, "cpus %d, max heap %d MB, load average at start %s%n",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, loadAverage());
    System.out.println("backend   entries  search p50/p99 ms   lookup p50/p99 ms   heap B/entry  other B/entry"
        + "  fill s  cold start s");
    try (RedisClient redis = RedisClients.open(endpoint)) {
      for (int size : sizes) {
        if (!REDIS_ONLY) {
          Path directory = Files.createTempDirectory("clincher-bench-index");
          try {
            run(embedded(directory, size), size, embedder, questions);
          } finally {
            deleteTree(directory);
          }
        }
        if (!EMBEDDED_ONLY) {
          Backend shared = redis(redis, size);
          try {
            run(shared, size, embedder, questions);
          } finally {
            shared.clear();
          }
        }
      }
    }
    System.out.println("targets (2 cores): search p50 <= " + SEARCH_P50_MS + " ms; lookup p50 <= " + LOOKUP_P50_MS
        + " ms at 100k; cold start <= " + COLD_START_S + " s at 100k. Load average at end " + loadAverage());
  }

  private static void run(Backend backend, int size, Embedder embedder, List<String> questions) {
    Random random = new Random(42);
    long heapBefore = usedHeap();
    VectorIndex index = backend.open();
    long fillStart = System.nanoTime();
    for (int i = 0; i < size; i++) {
      index.put("bench", "e" + i, randomUnit(random), TTL);
    }
    index.nearest("bench", randomUnit(random), 0.9f); // the first search sees every entry (Lucene: refresh)
    double fillSeconds = (System.nanoTime() - fillStart) / 1e9;
    awaitGraph(backend, index);
    long heapPerEntry = (usedHeap() - heapBefore) / size;
    long otherPerEntry = backend.outsideHeapBytes() / size;
    float[][] queries = new float[1000][];
    for (int i = 0; i < queries.length; i++) {
      queries[i] = randomUnit(random);
    }
    long[][] searchAndRead = timeInterleaved(queries.length, i -> index.nearest("bench", queries[i], 0.96f),
        i -> backend.readVersion());
    long[] search = searchAndRead[0];
    EntryStore store = backend.store();
    long[] lookup = time(Math.min(300, questions.size()), i -> {
      store.get("e:" + i);
      index.nearest("bench", embedder.embed(questions.get(i)), 0.96f);
    });
    index.close();
    long coldStart = System.nanoTime();
    VectorIndex reopened = backend.open();
    reopened.nearest("bench", queries[0], 0.96f);
    double coldSeconds = (System.nanoTime() - coldStart) / 1e9;
    long[] duringBuild = backend.graphReady(reopened) ? new long[0]
        : time(BUILD_LOOKUPS, i -> reopened.nearest("bench", queries[i], 0.96f));
    awaitGraph(backend, reopened);
    double graphSeconds = (System.nanoTime() - coldStart) / 1e9;
    long[] settled = time(queries.length, i -> reopened.nearest("bench", queries[i], 0.96f));
    reopened.close();
    boolean atScale = size >= 100_000;
    System.out.printf(Locale.ROOT, "%-8s %8d  %7.3f/%-7.3f %-4s  %7.2f/%-7.2f %-4s  %12d  %13d  %6.1f  %6.2f %s%n",
        backend.name(), size, ms(search, 0.5), ms(search, 0.99), verdict(ms(search, 0.5) <= SEARCH_P50_MS),
        ms(lookup, 0.5), ms(lookup, 0.99), atScale ? verdict(ms(lookup, 0.5) <= LOOKUP_P50_MS) : "",
        heapPerEntry, otherPerEntry, fillSeconds, coldSeconds, atScale ? verdict(coldSeconds <= COLD_START_S) : "");
    System.out.printf(Locale.ROOT, "%-8s %8d  %7.3f/%-7.3f %-4s  (search after the cold start, graph built)%n",
        backend.name(), size, ms(settled, 0.5), ms(settled, 0.99), verdict(ms(settled, 0.5) <= SEARCH_P50_MS));
    if (duringBuild.length > 0) {
      System.out.printf(Locale.ROOT, "%-8s %8d  %7.3f/%-7.3f       (search during the cold start's graph build: linear "
          + "scan; graph ready %.2f s after the cold start)%n", backend.name(), size, ms(duringBuild, 0.5),
          ms(duringBuild, 0.99), graphSeconds);
    }
    if (backend.name().equals("redis")) {
      System.out.printf(Locale.ROOT, "%-8s %8d  %7.3f/%-7.3f       (of the first search row: the version read alone, "
          + "one Redis GET, timed between the searches)%n", backend.name(), size, ms(searchAndRead[1], 0.5),
          ms(searchAndRead[1], 0.99));
    }
  }

  /** Waits (bounded) until the backend's graph is built: the search rows time the graph, not the linear scan. */
  private static void awaitGraph(Backend backend, VectorIndex index) {
    long deadline = System.nanoTime() + GRAPH_WAIT.toNanos();
    while (!backend.graphReady(index)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no graph after " + GRAPH_WAIT);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static Backend embedded(Path directory, int size) {
    IndexBounds bounds = new IndexBounds(size, Long.MAX_VALUE, 10);
    MemoryEntryStore store = new MemoryEntryStore(1 << 20, Clock.systemUTC());
    return new Backend() {
      public String name() {
        return "embedded";
      }

      public VectorIndex open() {
        return LuceneVectorIndex.open(directory, bounds, Clock.systemUTC());
      }

      public EntryStore store() {
        return store;
      }

      public long outsideHeapBytes() {
        return treeBytes(directory);
      }

      public void clear() {}
    };
  }

  private static Backend redis(RedisClient redis, int size) {
    String prefix = "clincher-bench:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    long memoryBefore = redisMemory(redis);
    RedisEntryStore store = new RedisEntryStore(redis, prefix);
    return new Backend() {
      public String name() {
        return "redis";
      }

      public VectorIndex open() {
        return new RedisVectorIndex(redis, prefix, new IndexBounds(size, Long.MAX_VALUE, 10), Clock.systemUTC());
      }

      public EntryStore store() {
        return store;
      }

      public long outsideHeapBytes() {
        return redisMemory(redis) - memoryBefore;
      }

      public void readVersion() {
        redis.get(prefix + "{bench}:ver");
      }

      public boolean graphReady(VectorIndex index) {
        return ((RedisVectorIndex) index).searchesGraph("bench");
      }

      public void clear() {
        for (String part : List.of("ids", "vec", "ver", "seq", "bytes")) {
          redis.del(prefix + "{bench}:" + part);
        }
      }
    };
  }

  private static List<String> questions(Path file, int limit) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> questions = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null && questions.size() < limit) {
        if (!line.isBlank()) {
          questions.add(json.readTree(line).path("b").asText());
        }
      }
    }
    return questions;
  }

  private static float[] randomUnit(Random random) {
    float[] vector = new float[DIMS];
    for (int d = 0; d < DIMS; d++) {
      vector[d] = (float) random.nextGaussian();
    }
    return Vectors.normalised(vector);
  }

  private static long[] time(int count, IntConsumer operation) {
    for (int i = 0; i < Math.min(50, count); i++) {
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

  /** Times {@code first} and {@code second} alternately (same load for both): their sorted nanoseconds. */
  private static long[][] timeInterleaved(int count, IntConsumer first, IntConsumer second) {
    for (int i = 0; i < Math.min(50, count); i++) { // warm-up
      first.accept(i);
      second.accept(i);
    }
    long[][] nanos = new long[2][count];
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      first.accept(i);
      long between = System.nanoTime();
      second.accept(i);
      nanos[0][i] = between - start;
      nanos[1][i] = System.nanoTime() - between;
    }
    Arrays.sort(nanos[0]);
    Arrays.sort(nanos[1]);
    return nanos;
  }

  private static double ms(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) (sorted.length * quantile))] / 1e6;
  }

  private static String verdict(boolean met) {
    return met ? "PASS" : "FAIL";
  }

  private static long usedHeap() {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static long redisMemory(RedisClient redis) {
    return redis.info("memory").lines().filter(line -> line.startsWith("used_memory:"))
        .mapToLong(line -> Long.parseLong(line.substring("used_memory:".length()).trim())).findFirst().orElse(0);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static long treeBytes(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
    } catch (IOException e) {
      return 0;
    }
  }

  private static void deleteTree(Path directory) throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
