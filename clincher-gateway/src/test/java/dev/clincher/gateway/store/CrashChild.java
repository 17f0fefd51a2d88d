package dev.clincher.gateway.store;

import dev.clincher.common.config.Secret;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Child JVM of {@link TranscriptCrashTest}: opens the store named by the {@code CLINCHER_CRASH_*} environment (the
 * password never goes through argv), starts a run and appends events forever, printing {@code seq N} after each
 * append has returned. The test kills it with SIGKILL.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String password = System.getenv("CLINCHER_CRASH_PASSWORD");
    String schema = System.getenv("CLINCHER_CRASH_SCHEMA");
    StoreSettings settings = new StoreSettings(System.getenv("CLINCHER_CRASH_URL"), System.getenv("CLINCHER_CRASH_USER"),
        password == null ? null : Secret.of(password), schema == null || schema.isEmpty() ? null : schema, 4,
        StoreLimits.DEFAULTS);
    String sync = System.getenv("CLINCHER_CRASH_SQLITE_SYNC");
    if (sync != null) {
      settings = settings.withSqliteSync(StoreSettings.SqliteSync.valueOf(sync));
    }
    Stores stores = Stores.open(settings);
    SessionRecord session = stores.sessions().createSession("crash", "kill -9 test");
    RunRecord run = stores.runs().startRun(session.id());
    out.println("session " + session.id());
    out.println("run " + run.id());
    String padding = "x".repeat(200);
    for (long i = 1; ; i++) {
      long seq = stores.events().append(session.id(), run.id(), "e", "{\"i\":" + i + ",\"pad\":\"" + padding + "\"}");
      out.println("seq " + seq);
    }
  }
}
