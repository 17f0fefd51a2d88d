package dev.clincher.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.embedding.Vectors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures behind the documented bounds, printed to the test output: the latency of a durable append (SQLite, PostgreSQL), and
 * a brute-force memory search over the maximum of 10,000 notes of 384 dimensions (asserted loosely, as the CI machine
 * is shared).
 */
class StoreFiguresTest {
  private static final int DIMENSIONS = 384;

  @TempDir
  Path dir;

  @Test
  void sqliteDurableAppendLatency() {
    measureAppends("sqlite", StoreSettings.sqlite(dir.resolve("append.db")));
  }

  @Test
  void postgresDurableAppendLatency() throws Exception {
    PostgresSupport.requireServer();
    StoreSettings settings = PostgresSupport.freshSchema();
    try {
      measureAppends("postgresql", settings);
    } finally {
      PostgresSupport.dropSchema(settings.schema());
    }
  }

  private static void measureAppends(String database, StoreSettings settings) {
    try (Stores stores = Stores.open(settings)) {
      String session = stores.sessions().createSession("alice", "figures").id();
      String payload = "{\"text\":\"" + "x".repeat(500) + "\"}";
      long[] nanos = new long[300];
      for (int i = 0; i < nanos.length; i++) {
        long start = System.nanoTime();
        stores.events().append(session, null, "e", payload);
        nanos[i] = System.nanoTime() - start;
      }
      Arrays.sort(nanos);
      System.out.printf("%s durable append: p50 %.2f ms, p99 %.2f ms%n", database, nanos[150] / 1e6,
          nanos[296] / 1e6);
      assertThat(nanos[150]).isLessThan(1_000_000_000L);
    }
  }

  @Test
  void searchOverTheMaximumNumberOfNotes() throws Exception {
    Path file = dir.resolve("notes.db");
    StoreSettings settings = StoreSettings.sqlite(file);
    int notes = settings.limits().maxNotesPerAgent();
    Random random = new Random(7);
    float[] target = null;
    try (Stores stores = Stores.open(settings)) {
      try (Connection c = DriverManager.getConnection(settings.jdbcUrl());
          PreparedStatement insert = c.prepareStatement(
              "INSERT INTO notes (agent, text, vector, created_at) VALUES ('alice', ?, ?, 0)")) {
        c.setAutoCommit(false);
        for (int i = 0; i < notes; i++) {
          float[] vector = randomUnit(random);
          if (i == notes / 2) {
            target = vector;
          }
          insert.setString(1, "note " + i);
          insert.setBytes(2, VectorCodec.encode(vector));
          insert.addBatch();
        }
        insert.executeBatch();
        c.commit();
      }
      stores.notes().searchNotes("alice", target, 5); // warm-up
      long start = System.nanoTime();
      List<ScoredNote> found = stores.notes().searchNotes("alice", target, 5);
      long elapsed = System.nanoTime() - start;
      System.out.printf("memory search, %d notes x %d dims: %.1f ms%n", notes, DIMENSIONS, elapsed / 1e6);
      assertThat(found.get(0).note().text()).isEqualTo("note " + notes / 2);
      assertThat(found.get(0).score()).isCloseTo(1.0f, org.assertj.core.data.Offset.offset(1e-4f));
      assertThat(elapsed).isLessThan(5_000_000_000L);
    }
  }

  private static float[] randomUnit(Random random) {
    float[] vector = new float[DIMENSIONS];
    for (int i = 0; i < DIMENSIONS; i++) {
      vector[i] = (float) random.nextGaussian();
    }
    return Vectors.normalised(vector);
  }
}
