package dev.clincher.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while appending: a child JVM appends events and prints each sequence number after its append returned; the
 * test SIGKILLs it mid-stream, reopens the store and checks that every acknowledged event is there, intact and
 * gap-free, and that the run left running is marked interrupted.
 */
class TranscriptCrashTest {
  private static final int ACKS_BEFORE_KILL = 300;

  @TempDir
  Path dir;

  @Test
  void sqliteKeepsEveryAcknowledgedEventAfterKill9() throws Exception {
    StoreSettings settings = StoreSettings.sqlite(dir.resolve("crash.db"));
    crashAndCheck(settings, Map.of("CLINCHER_CRASH_URL", settings.jdbcUrl()));
  }

  @Test
  void sqliteWithNormalSyncKeepsEveryAcknowledgedEventAfterKill9() throws Exception {
    StoreSettings settings = StoreSettings.sqlite(dir.resolve("crash-normal.db"))
        .withSqliteSync(StoreSettings.SqliteSync.NORMAL);
    crashAndCheck(settings, Map.of("CLINCHER_CRASH_URL", settings.jdbcUrl(), "CLINCHER_CRASH_SQLITE_SYNC", "NORMAL"));
  }

  @Test
  void postgresKeepsEveryAcknowledgedEventAfterKill9() throws Exception {
    PostgresSupport.requireServer();
    StoreSettings settings = PostgresSupport.freshSchema();
    try {
      crashAndCheck(settings, Map.of("CLINCHER_CRASH_URL", settings.jdbcUrl(),
          "CLINCHER_CRASH_USER", settings.user(),
          "CLINCHER_CRASH_PASSWORD", settings.password().reveal(),
          "CLINCHER_CRASH_SCHEMA", settings.schema()));
    } finally {
      PostgresSupport.dropSchema(settings.schema());
    }
  }

  private static void crashAndCheck(StoreSettings settings, Map<String, String> env) throws Exception {
    Process child = ChildJvm.start(CrashChild.class, env, List.of());
    String[] ids = new String[2]; // session, run
    List<Long> acknowledged = new ArrayList<>();
    StringBuilder other = new StringBuilder();
    int exit = ChildJvm.readLines(child, Duration.ofSeconds(120), line -> {
      if (line.startsWith("session ")) {
        ids[0] = line.substring(8);
      } else if (line.startsWith("run ")) {
        ids[1] = line.substring(4);
      } else if (line.startsWith("seq ")) {
        acknowledged.add(Long.parseLong(line.substring(4)));
        if (acknowledged.size() == ACKS_BEFORE_KILL) {
          ChildJvm.kill(child);
        }
      } else if (other.length() < 10_000) {
        other.append(line).append('\n');
      }
    });
    String sessionId = ids[0];
    String runId = ids[1];
    assertThat(acknowledged).as("child output:\n" + other).hasSizeGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
    assertThat(exit).isEqualTo(137);

    try (Stores stores = Stores.open(settings)) {
      assertThat(stores.runs().markInterruptedRuns()).isEqualTo(1);
      assertThat(stores.runs().run(runId).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
      List<EventRecord> events = stores.events().events(sessionId, 0, 1_000);
      long last = acknowledged.get(acknowledged.size() - 1);
      // Every acknowledged event is there and intact; at most the one in flight at the kill was also committed.
      List<EventRecord> data = events.subList(0, events.size() - 1);
      assertThat(data.size()).isBetween((int) last, (int) last + 1);
      for (int i = 0; i < data.size(); i++) {
        EventRecord event = data.get(i);
        assertThat(event.seq()).isEqualTo(i + 1);
        assertThat(event.runId()).isEqualTo(runId);
        assertThat(event.payload()).startsWith("{\"i\":" + (i + 1) + ",\"pad\":\"xxx").endsWith("xxx\"}");
      }
      EventRecord marker = events.get(events.size() - 1);
      assertThat(marker.type()).isEqualTo(RunLedger.RUN_INTERRUPTED);
      assertThat(marker.seq()).isEqualTo(data.size() + 1);
    }
  }
}
