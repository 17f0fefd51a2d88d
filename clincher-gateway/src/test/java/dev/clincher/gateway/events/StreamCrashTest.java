package dev.clincher.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.Secret;
import dev.clincher.common.testing.ChildJvm;
import dev.clincher.gateway.store.EventRecord;
import dev.clincher.gateway.store.StoreSettings;
import dev.clincher.gateway.store.Stores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of agent steps whose events share commits: a child JVM emits steps like the agent loop (events
 * committed together, the loop not waiting except before a tool) and prints every event its subscriber was shown; the
 * test SIGKILLs it, reopens the store and checks that every streamed event is in the transcript, same sequence
 * number, type and step (durable before streamed), and that the transcript holds the streamed ones in order.
 */
class StreamCrashTest {
  private static final int SEEN_BEFORE_KILL = 400;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** One event as the subscriber saw it. */
  private record Seen(long seq, String type, long step) {}

  @Test
  void sqliteHasEveryStreamedEventAfterKill9() throws Exception {
    StoreSettings settings = StoreSettings.sqlite(dir.resolve("stream-crash.db"));
    crashAndCheck(settings, Map.of("CLINCHER_CRASH_URL", settings.jdbcUrl()));
  }

  @Test
  void postgresHasEveryStreamedEventAfterKill9() throws Exception {
    String url = env("CLINCHER_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/clincher_test");
    String user = env("CLINCHER_TEST_POSTGRES_USER", "clincher_test");
    String password = env("CLINCHER_TEST_POSTGRES_PASSWORD", "clincher_test");
    try (Connection c = DriverManager.getConnection(url, user, password)) {
      c.isValid(2);
    } catch (java.sql.SQLException e) {
      String message = "PostgreSQL not reachable at " + url + " (run clincher-gateway/ci-setup-postgres.sh): "
          + e.getMessage();
      if (System.getenv("CI") != null) {
        fail(message);
      }
      Assumptions.abort(message);
    }
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "");
    StoreSettings settings = StoreSettings.postgres(url, user, Secret.of(password)).withSchema(schema);
    try {
      crashAndCheck(settings, Map.of("CLINCHER_CRASH_URL", url, "CLINCHER_CRASH_USER", user,
          "CLINCHER_CRASH_PASSWORD", password, "CLINCHER_CRASH_SCHEMA", schema));
    } finally {
      try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  /**
   * Kills the child twice: once mid-stream, once while it pauses with events emitted but not committed (where an
   * event streamed before its commit would be lost), and checks each time.
   */
  private static void crashAndCheck(StoreSettings settings, Map<String, String> env) throws Exception {
    crashAndCheck(settings, env, 0);
    crashAndCheck(settings, env, StreamCrashChild.PAUSE_EVERY);
  }

  private static void crashAndCheck(StoreSettings settings, Map<String, String> env, long killWhilePaused)
      throws Exception {
    Process child = ChildJvm.start(StreamCrashChild.class, env, List.of());
    String[] ids = new String[2]; // session, run
    List<Seen> seen = new ArrayList<>();
    StringBuilder other = new StringBuilder();
    int exit = ChildJvm.readLines(child, Duration.ofSeconds(120), line -> {
      String[] parts = line.split(" ");
      if (parts[0].equals("session")) {
        ids[0] = parts[1];
      } else if (parts[0].equals("run")) {
        ids[1] = parts[1];
      } else if (parts[0].equals("seen") && parts.length == 4) {
        seen.add(new Seen(Long.parseLong(parts[1]), parts[2], Long.parseLong(parts[3])));
        if (seen.size() == SEEN_BEFORE_KILL && killWhilePaused == 0) {
          ChildJvm.kill(child);
        }
      } else if (parts[0].equals("paused") && Long.parseLong(parts[1]) == killWhilePaused) {
        ChildJvm.kill(child);
      } else if (other.length() < 10_000) {
        other.append(line).append('\n');
      }
    });
    assertThat(seen).as("child output:\n" + other).hasSizeGreaterThanOrEqualTo(SEEN_BEFORE_KILL);
    assertThat(exit).isEqualTo(137);

    try (Stores stores = Stores.open(settings)) {
      assertThat(stores.runs().markInterruptedRuns()).isEqualTo(1);
      List<EventRecord> transcript = stores.events().events(ids[0], 0, 1_000);
      assertThat(transcript.size()).isGreaterThanOrEqualTo(seen.size());
      for (int i = 0; i < seen.size(); i++) {
        Seen event = seen.get(i);
        assertThat(event.seq()).as("streamed in order, gap-free").isEqualTo(i + 1);
        EventRecord stored = transcript.get(i);
        assertThat(stored.seq()).isEqualTo(event.seq());
        assertThat(stored.type()).isEqualTo(event.type());
        assertThat(stored.runId()).isEqualTo(ids[1]);
        JsonNode payload = JSON.readTree(stored.payload());
        assertThat(payload.path("step").asLong()).isEqualTo(event.step());
      }
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
