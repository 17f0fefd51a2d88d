package dev.clincher.router.spendlog;

import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.keys.RouterDatabase;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measured by hand, not a test: {@code SpendLogBenchmark sqlite|postgres appends|sums [threads]}. {@code appends}:
 * {@code threads} (default 32) append for 10 s (after 3 s of warm-up); prints appends/s, commits and latency. {@code sums}: fills 1,000,000 rows
 * (bulk inserts, not through the log), then times each query three times and prints the database's size per row.
 */
public final class SpendLogBenchmark {
  private static final int ROWS = 1_000_000;
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private SpendLogBenchmark() {}

  public static void main(String[] args) throws Exception {
    boolean postgres = args[0].equals("postgres");
    Path directory = Files.createTempDirectory("spendlog-bench");
    TestPostgres.Schema schema = postgres ? TestPostgres.freshSchema("spend_log_bench") : null;
    DatabaseUrl url = postgres ? schema.url() : DatabaseUrl.sqlite(directory.resolve("router.db"));
    try {
      if (args[1].equals("appends")) {
        appends(url, args.length > 2 ? Integer.parseInt(args[2]) : 32);
      } else {
        sums(url, postgres, directory);
      }
    } finally {
      if (schema != null) {
        schema.close();
      }
      try (var files = Files.list(directory)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(directory);
    }
  }

  private static void appends(DatabaseUrl url, int threads) throws Exception {
    try (SpendLog log = SpendLog.open(url, SpendLogSettings.DEFAULTS)) {
      run(log, threads, Duration.ofSeconds(3), new long[1]);
      SpendLog.Stats before = log.stats();
      long[] latencies = new long[5_000_000];
      long count = run(log, threads, Duration.ofSeconds(10), latencies);
      SpendLog.Stats after = log.stats();
      long commits = after.commits() - before.commits();
      long[] sorted = Arrays.copyOf(latencies, (int) Math.min(count, latencies.length));
      Arrays.sort(sorted);
      System.out.printf("%d appends in 10 s at concurrency %d: %.0f appends/s, %d commits (%.1f records each), "
          + "latency p50 %.2f ms, p99 %.2f ms%n", count, threads, count / 10.0, commits, count / (double) commits,
          sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6);
    }
  }

  /** Appends from {@code threads} threads for {@code duration}; records each latency while there is room. */
  private static long run(SpendLog log, int threads, Duration duration, long[] latencies)
      throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong count = new AtomicLong();
    AtomicLong ids = new AtomicLong(System.nanoTime());
    List<Thread> appenders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      appenders.add(Thread.ofPlatform().start(() -> {
        while (!stop.get()) {
          long start = System.nanoTime();
          try {
            log.append(SpendRecords.plain("bench-" + ids.incrementAndGet(), Instant.now()));
          } catch (SpendLogException e) {
            throw new IllegalStateException(e);
          }
          long n = count.getAndIncrement();
          if (n < latencies.length) {
            latencies[(int) n] = System.nanoTime() - start;
          }
        }
      }));
    }
    Thread.sleep(duration.toMillis());
    stop.set(true);
    for (Thread thread : appenders) {
      thread.join();
    }
    return count.get();
  }

  private static void sums(DatabaseUrl url, boolean postgres, Path directory) throws Exception {
    SpendLog.open(url, SpendLogSettings.DEFAULTS).close();
    long fillStart = System.nanoTime();
    fill(url);
    System.out.printf("filled %,d rows in %.1f s%n", ROWS, (System.nanoTime() - fillStart) / 1e9);
    try (SpendLog log = SpendLog.open(url, SpendLogSettings.DEFAULTS)) {
      Instant since = START.plus(Duration.ofDays(60));
      for (Set<Dimension> by : List.<Set<Dimension>>of(Set.of(), EnumSet.of(Dimension.KEY), EnumSet.of(Dimension.TEAM),
          EnumSet.of(Dimension.USER), EnumSet.of(Dimension.MODEL), EnumSet.of(Dimension.DEPLOYMENT))) {
        time("sums(since, " + by + ")", () -> log.sums(since, by).size());
      }
      time("report(30 days, {DAY, MODEL})", () -> log.report(since.minus(Duration.ofDays(30)), since,
          EnumSet.of(Dimension.DAY, Dimension.MODEL)).size());
      time("query(ALL, page 1, 100)", () -> log.query(SpendFilter.ALL, 1, 100).records().size());
      time("query(key, page 1, 100)", () -> log.query(SpendFilter.ALL.withKeyHash(key(7)), 1, 100).records().size());
    }
    System.out.printf("bytes per row, indexes included: %d%n", size(url, postgres, directory) / ROWS);
  }

  private interface Timed {
    int run() throws Exception;
  }

  private static void time(String what, Timed query) throws Exception {
    long[] millis = new long[3];
    int rows = 0;
    for (int i = 0; i < millis.length; i++) {
      long start = System.nanoTime();
      rows = query.run();
      millis[i] = (System.nanoTime() - start) / 1_000_000;
    }
    Arrays.sort(millis);
    System.out.printf("%-40s %6d rows  min %5d ms  median %5d ms%n", what, rows, millis[0], millis[1]);
  }

  /** 1,000,000 rows over 90 days: 1,000 keys (and the master key), 50 teams, 5,000 users, 10 models, 20 deployments. */
  private static void fill(DatabaseUrl url) throws Exception {
    Random random = new Random(7);
    try (Connection connection = RouterDatabase.connect(url, new Properties());
        PreparedStatement insert = connection.prepareStatement(Rows.insert(1_000))) {
      connection.setAutoCommit(false);
      for (int batch = 0; batch < ROWS / 1_000; batch++) {
        List<SpendRecord> records = new ArrayList<>(1_000);
        for (int i = 0; i < 1_000; i++) {
          int n = batch * 1_000 + i;
          int model = random.nextInt(10);
          records.add(new SpendRecord("fill-" + n, START.plusMillis(random.nextLong(90L * 86_400_000)),
              random.nextInt(20) == 0 ? Optional.empty() : Optional.of(key(random.nextInt(1_000))),
              Optional.of("team-" + random.nextInt(50)), Optional.of("user-" + random.nextInt(5_000)),
              "model-" + model, "dep-" + model + "-" + random.nextInt(2), random.nextInt(4_000),
              random.nextInt(1_000), 0, 0, random.nextInt(100_000_000), false, false, 200, random.nextInt(5_000)));
        }
        Rows.bind(insert, records);
        try (ResultSet ignored = insert.executeQuery()) {
          // RETURNING: the ids, not needed here
        }
        if (batch % 50 == 49) {
          connection.commit();
        }
      }
      connection.commit();
      try (Statement statement = connection.createStatement()) {
        statement.execute(url.jdbcUrl().startsWith("jdbc:postgresql:") ? "ANALYZE spend_logs" : "ANALYZE");
      }
      connection.commit();
    }
  }

  private static long size(DatabaseUrl url, boolean postgres, Path directory) throws Exception {
    if (!postgres) {
      try (var files = Files.list(directory)) {
        return files.mapToLong(file -> file.toFile().length()).sum();
      }
    }
    try (Connection connection = RouterDatabase.connect(url, new Properties());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT pg_total_relation_size('spend_logs')")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static String key(int n) {
    return VirtualKey.hash("sk-bench-" + n);
  }
}
