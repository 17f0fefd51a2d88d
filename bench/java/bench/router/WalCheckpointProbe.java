/*
 * Does SQLite's automatic WAL checkpoint explain the router's p99? One commit per row of the spend log's own schema
 * (a 16-column row, a text primary key, five indexes), WAL with synchronous=FULL as the router's default durability,
 * timed per commit; the same with wal_autocheckpoint=0 (no checkpoint in the commit path, the WAL grows), alternated
 * rounds in one run. Needs the sqlite-jdbc jar on the class path; files in a temporary directory on the disk under test:
 *
 *   java -cp ~/.m2/repository/org/xerial/sqlite-jdbc/3.53.4.0/sqlite-jdbc-3.53.4.0.jar \
 *       bench/java/bench/router/WalCheckpointProbe.java [commits per round, default 6000] [rounds, default 2] \
 *       [synchronous: FULL (default, the power_loss durability) or NORMAL (router_crash: no fsync per commit)]
 *
 * Bounded: rounds x commits commits, each a local fsync; no network.
 */
package bench.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.UUID;

public final class WalCheckpointProbe {
  private static final String SCHEMA = """
      CREATE TABLE spend_logs (request_id VARCHAR(128) NOT NULL PRIMARY KEY, logged_at BIGINT NOT NULL,
        key_hash VARCHAR(64), team VARCHAR(256), end_user VARCHAR(256), model_group VARCHAR(256) NOT NULL,
        deployment VARCHAR(256) NOT NULL, prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL,
        cache_read_tokens BIGINT NOT NULL, cache_write_tokens BIGINT NOT NULL, cost_nanos BIGINT NOT NULL,
        cache_hit BOOLEAN NOT NULL, estimated BOOLEAN NOT NULL, status INTEGER NOT NULL, latency_millis BIGINT NOT NULL);
      CREATE INDEX spend_logs_time ON spend_logs (logged_at, request_id);
      CREATE INDEX spend_logs_key_time ON spend_logs (key_hash, logged_at);
      CREATE INDEX spend_logs_team_time ON spend_logs (team, logged_at);
      CREATE INDEX spend_logs_user_time ON spend_logs (end_user, logged_at);
      CREATE INDEX spend_logs_model_time ON spend_logs (model_group, logged_at)""";

  private record Result(String mode, double p50, double p90, double p99, double p999, double max, long walKiB) {}

  public static void main(String[] args) throws Exception {
    int commits = args.length > 0 ? Integer.parseInt(args[0]) : 6000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    String synchronous = args.length > 2 ? args[2] : "FULL";
    if (!synchronous.equals("FULL") && !synchronous.equals("NORMAL")) {
      throw new IllegalArgumentException("synchronous must be FULL or NORMAL, not " + synchronous);
    }
    Path dir = Files.createTempDirectory("wal-probe");
    try {
      System.out.printf("%-26s %8s %8s %8s %8s %8s %10s%n", "commit latency (ms), " + synchronous, "p50", "p90", "p99", "p99.9",
          "max", "WAL KiB");
      for (int round = 1; round <= rounds; round++) {
        Result auto = run(dir, "auto", commits, true, synchronous);
        Result off = run(dir, "off", commits, false, synchronous);
        print(round, auto);
        print(round, off);
        System.out.printf("  round %d: p99 with / without checkpoints in the commit path: %.2fx%n", round,
            auto.p99() / off.p99());
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(dir);
    }
  }

  private static void print(int round, Result r) {
    System.out.printf("round %d, %-18s %8.3f %8.3f %8.3f %8.3f %8.3f %10d%n", round, r.mode(), r.p50(), r.p90(),
        r.p99(), r.p999(), r.max(), r.walKiB());
  }

  private static Result run(Path dir, String name, int commits, boolean autoCheckpoint, String synchronous)
      throws SQLException, IOException {
    Path db = dir.resolve(name + ".db");
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      Files.deleteIfExists(Path.of(db + suffix));
    }
    long[] nanos = new long[commits];
    long walKiB;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=" + synchronous);
        if (!autoCheckpoint) {
          s.execute("PRAGMA wal_autocheckpoint=0");
        }
        for (String statement : SCHEMA.split(";")) {
          s.execute(statement);
        }
      }
      c.setAutoCommit(false);
      try (PreparedStatement insert = c.prepareStatement(
          "INSERT INTO spend_logs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
        for (int i = 0; i < commits; i++) {
          long started = System.nanoTime();
          insert.setString(1, UUID.randomUUID().toString());
          insert.setLong(2, System.currentTimeMillis());
          insert.setString(3, null);
          insert.setString(4, null);
          insert.setString(5, null);
          insert.setString(6, "gpt-4.1");
          insert.setString(7, "primary");
          for (int column = 8; column <= 12; column++) {
            insert.setLong(column, 100 + i);
          }
          insert.setBoolean(13, false);
          insert.setBoolean(14, false);
          insert.setInt(15, 200);
          insert.setLong(16, 5);
          insert.executeUpdate();
          c.commit();
          nanos[i] = System.nanoTime() - started;
        }
      }
      walKiB = Files.size(Path.of(db + "-wal")) / 1024; // before close, which checkpoints and removes it
    }
    Arrays.sort(nanos);
    return new Result(autoCheckpoint ? "auto checkpoint" : "no checkpoint", ms(nanos, 0.5), ms(nanos, 0.9),
        ms(nanos, 0.99), ms(nanos, 0.999), nanos[commits - 1] / 1e6, walKiB);
  }

  private static double ms(long[] sorted, double quantile) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] / 1e6;
  }
}
