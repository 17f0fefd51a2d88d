/*
 * The floor under the router's durable spend-log row (issue 19): how long one row takes when the caller commits it
 * itself (BEGIN IMMEDIATE, the 16-column insert, COMMIT on the calling thread: no queue, no other thread), against
 * the router's own path (SpendLog.append from a virtual thread: the queue, the writer thread's wake-up, the same
 * commit, the caller's wake-up), with synchronous=FULL (the default power_loss durability: one fsync per commit) and
 * NORMAL (router_crash: none), on the disk under test and on /dev/shm (tmpfs: every fsync free). One row at a time,
 * paced like one request of an open loop at 2,000 req/s (a pause of --gap-us between rows), rounds alternated.
 * Prints p50/p90/p99 per path and, per round, what the hand-offs add (append - commit alone) and what the fsync adds
 * (FULL - NORMAL, commit alone), and how much of issue 19's added-p50 target (0.3 ms) the durable commit alone takes.
 *
 *   java -cp clincher-app/target/clincher.jar bench/java/bench/router/CommitFloorProbe.java \
 *       [--dir DIR (default: a temporary directory under /var/tmp, i.e. the disk)] [--rows N, default 4000]
 *       [--rounds R, default 2] [--gap-us G, default 500]
 *
 * Bounded: (rounds x rows + min(rows, 1,500) warm-up) x 6 local commits; no network. The files are deleted at the end.
 */
package bench.router;

import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.spendlog.SpendLog;
import dev.clincher.router.spendlog.SpendLogSettings;
import dev.clincher.router.spendlog.SpendRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

public final class CommitFloorProbe {
  private static final String INSERT = "INSERT INTO spend_logs (request_id, logged_at, key_hash, team, end_user, "
      + "model_group, deployment, prompt_tokens, completion_tokens, cache_read_tokens, cache_write_tokens, cost_nanos, "
      + "cache_hit, estimated, status, latency_millis) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

  /** Issue 19's target for the latency the router adds at p50 (2,000 req/s, over nginx direct). */
  private static final double TARGET_ADDED_P50_MILLIS = 0.3;

  private record Options(Path dir, int rows, int rounds, long gapNanos) {}

  private record Result(String place, String path, String synchronous, double p50, double p90, double p99) {
    String name() {
      return place + ", " + path + ", " + synchronous;
    }
  }

  public static void main(String[] args) throws Exception {
    Options options = parse(args);
    Path disk = Files.createTempDirectory(options.dir(), "commit-floor");
    Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "commit-floor");
    try {
      measureAll(disk, shm, options, 1, true); // warm-up: the JIT and the files, not printed
      System.out.printf("%-44s %8s %8s %8s%n", "one spend-log row (ms)", "p50", "p90", "p99");
      for (int round = 1; round <= options.rounds(); round++) {
        List<Result> results = measureAll(disk, shm, options, round, false);
        for (Result r : results) {
          System.out.printf("%-44s %8.3f %8.3f %8.3f%n", "round " + round + ": " + r.name(), r.p50(), r.p90(), r.p99());
        }
        summarize(round, results);
      }
      System.out.println("disk = " + disk + "; tmpfs = " + shm + "; one row every " + options.gapNanos() / 1000
          + " us, " + options.rows() + " rows per line");
    } finally {
      deleteTree(disk);
      deleteTree(shm);
    }
  }

  /** Each place, each path; the order reversed every other round. */
  private static List<Result> measureAll(Path disk, Path shm, Options options, int round, boolean warmUp)
      throws Exception {
    int rows = warmUp ? Math.min(options.rows(), 1500) : options.rows();
    List<Result> results = new ArrayList<>();
    List<Path> places = round % 2 == 1 ? List.of(disk, shm) : List.of(shm, disk);
    for (Path place : places) {
      String name = place == disk ? "disk" : "tmpfs";
      Path db = place.resolve("round" + round + (warmUp ? "w" : "") + ".db");
      results.add(append(name, db, rows, options.gapNanos()));
      results.add(alone(name, db, rows, options.gapNanos(), "FULL"));
      results.add(alone(name, db, rows, options.gapNanos(), "NORMAL"));
    }
    return results;
  }

  private static void summarize(int round, List<Result> results) {
    for (String place : List.of("disk", "tmpfs")) {
      Result append = find(results, place, "SpendLog.append", "FULL");
      Result full = find(results, place, "commit alone", "FULL");
      Result normal = find(results, place, "commit alone", "NORMAL");
      System.out.printf("  round %d, %s: p50 hand-offs (append - commit alone) %+.3f ms; fsync (FULL - NORMAL) "
          + "%+.3f ms; append / commit alone %.2fx%n", round, place, append.p50() - full.p50(),
          full.p50() - normal.p50(), append.p50() / full.p50());
    }
    Result durable = find(results, "disk", "commit alone", "FULL");
    System.out.printf("  round %d: the durable commit alone on this disk, p50 %.3f ms = %.0f %% of issue 19's added-p50 "
        + "target (%.1f ms), leaving %+.3f ms for the router's HTTP path and the hand-offs%n", round, durable.p50(),
        100 * durable.p50() / TARGET_ADDED_P50_MILLIS, TARGET_ADDED_P50_MILLIS, TARGET_ADDED_P50_MILLIS - durable.p50());
  }

  private static Result find(List<Result> results, String place, String path, String synchronous) {
    return results.stream().filter(r -> r.place().equals(place) && r.path().equals(path)
        && r.synchronous().equals(synchronous)).findFirst().orElseThrow();
  }

  /** The router's path: SpendLog (its migration, its writer thread, power_loss durability) from a virtual thread. */
  private static Result append(String place, Path db, int rows, long gapNanos) throws Exception {
    long[] nanos = new long[rows];
    try (SpendLog log = SpendLog.open(DatabaseUrl.sqlite(db), SpendLogSettings.DEFAULTS)) {
      Thread caller = Thread.ofVirtual().name("probe-caller").start(() -> {
        try {
          for (int i = 0; i < rows; i++) {
            LockSupport.parkNanos(gapNanos);
            SpendRecord record = record();
            long start = System.nanoTime();
            log.append(record);
            nanos[i] = System.nanoTime() - start;
          }
        } catch (Exception e) {
          throw new IllegalStateException("append failed", e);
        }
      });
      caller.join();
    }
    return result(place, "SpendLog.append", "FULL", nanos);
  }

  /** The same row committed by the calling (platform) thread on its own connection: the floor of one commit. */
  private static Result alone(String place, Path db, int rows, long gapNanos, String synchronous) throws SQLException {
    long[] nanos = new long[rows];
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement control = connection.createStatement();
        PreparedStatement insert = connection.prepareStatement(INSERT)) {
      control.execute("PRAGMA journal_mode=WAL");
      control.execute("PRAGMA synchronous=" + synchronous);
      for (int i = 0; i < rows; i++) {
        LockSupport.parkNanos(gapNanos);
        long start = System.nanoTime();
        control.execute("BEGIN IMMEDIATE");
        bind(insert);
        insert.executeUpdate();
        control.execute("COMMIT");
        nanos[i] = System.nanoTime() - start;
      }
    }
    return result(place, "commit alone", synchronous, nanos);
  }

  private static SpendRecord record() {
    return new SpendRecord(UUID.randomUUID().toString(), Instant.now(), Optional.empty(), Optional.of("team-a"),
        Optional.of("user-1"), "bench", "bench-0", 20, 12, 0, 0, 44_000, false, false, 200, 1);
  }

  private static void bind(PreparedStatement insert) throws SQLException {
    insert.setString(1, UUID.randomUUID().toString());
    insert.setLong(2, System.currentTimeMillis());
    insert.setNull(3, Types.VARCHAR);
    insert.setString(4, "team-a");
    insert.setString(5, "user-1");
    insert.setString(6, "bench");
    insert.setString(7, "bench-0");
    insert.setLong(8, 20);
    insert.setLong(9, 12);
    insert.setLong(10, 0);
    insert.setLong(11, 0);
    insert.setLong(12, 44_000);
    insert.setBoolean(13, false);
    insert.setBoolean(14, false);
    insert.setInt(15, 200);
    insert.setLong(16, 1);
  }

  private static Result result(String place, String path, String synchronous, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Result(place, path, synchronous, millis(sorted, 0.50), millis(sorted, 0.90), millis(sorted, 0.99));
  }

  private static double millis(long[] sorted, double quantile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
  }

  private static Options parse(String[] args) {
    Path dir = Path.of("/var/tmp");
    int rows = 4000;
    int rounds = 2;
    long gapMicros = 500;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      if (value == null) {
        throw new IllegalArgumentException("missing value for " + args[i]);
      }
      switch (args[i]) {
        case "--dir" -> dir = Path.of(value);
        case "--rows" -> rows = Integer.parseInt(value);
        case "--rounds" -> rounds = Integer.parseInt(value);
        case "--gap-us" -> gapMicros = Long.parseLong(value);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
      i++;
    }
    if (rows < 100 || rows > 1_000_000 || rounds < 1 || rounds > 100 || gapMicros < 0 || gapMicros > 1_000_000) {
      throw new IllegalArgumentException("--rows 100..1,000,000, --rounds 1..100, --gap-us 0..1,000,000");
    }
    return new Options(dir, rows, rounds, gapMicros * 1000);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(dir);
  }
}
