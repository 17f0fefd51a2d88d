package dev.clincher.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CrashChild.class.getName()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process child = builder.start();
    String sessionId = null;
    String runId = null;
    List<Long> acknowledged = new ArrayList<>();
    StringBuilder other = new StringBuilder();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("session ")) {
          sessionId = line.substring(8);
        } else if (line.startsWith("run ")) {
          runId = line.substring(4);
        } else if (line.startsWith("seq ")) {
          acknowledged.add(Long.parseLong(line.substring(4)));
          if (acknowledged.size() == ACKS_BEFORE_KILL) {
            // SIGKILL (no shutdown hook, no close); via the handle, which keeps our end of the pipe open
            child.toHandle().destroyForcibly();
          }
        } else if (other.length() < 10_000) {
          other.append(line).append('\n');
        }
      }
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(acknowledged).as("child output:\n" + other).hasSizeGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
    assertThat(child.exitValue()).isEqualTo(137);

    try (TranscriptStore store = TranscriptStore.open(settings)) {
      assertThat(store.markInterruptedRuns()).isEqualTo(1);
      assertThat(store.run(runId).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
      List<EventRecord> events = store.events(sessionId, 0, 1_000);
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
      assertThat(marker.type()).isEqualTo(TranscriptStore.RUN_INTERRUPTED);
      assertThat(marker.seq()).isEqualTo(data.size() + 1);
    }
  }
}
