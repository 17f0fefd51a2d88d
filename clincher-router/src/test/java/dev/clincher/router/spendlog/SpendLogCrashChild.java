package dev.clincher.router.spendlog;

import dev.clincher.common.config.Secret;
import dev.clincher.router.keys.DatabaseUrl;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The child JVM of the crash test: appends {@link SpendRecords#numbered} records from {@value #THREADS} threads and
 * prints {@code ack <id>} only after {@code append} returned WRITTEN. Runs until killed, or gives up after 60 s.
 * Reads the database from {@code CLINCHER_SPENDLOG_URL}, {@code _USER} and {@code _PASSWORD} (never from arguments).
 */
public final class SpendLogCrashChild {
  static final int THREADS = 8;
  private static final long GIVE_UP_MILLIS = 60_000;

  private SpendLogCrashChild() {}

  public static void main(String[] args) throws Exception {
    DatabaseUrl url = new DatabaseUrl(System.getenv("CLINCHER_SPENDLOG_URL"),
        Optional.ofNullable(System.getenv("CLINCHER_SPENDLOG_USER")),
        Optional.ofNullable(System.getenv("CLINCHER_SPENDLOG_PASSWORD")).map(Secret::of));
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    long deadline = System.currentTimeMillis() + GIVE_UP_MILLIS;
    try (SpendLog log = SpendLog.open(url, SpendLogSettings.DEFAULTS)) {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        threads.add(Thread.ofPlatform().start(() -> appendUntil(log, thread, deadline, out)));
      }
      for (Thread thread : threads) {
        thread.join();
      }
    }
  }

  /** The request id of record number {@code n} ({@link SpendRecords#numbered}). */
  static String id(int n) {
    return "crash-" + n;
  }

  private static void appendUntil(SpendLog log, int thread, long deadline, PrintStream out) {
    for (int i = 0; System.currentTimeMillis() < deadline; i++) {
      int n = i * THREADS + thread;
      try {
        if (log.append(SpendRecords.numbered(id(n), n)) == SpendLog.Appended.WRITTEN) {
          synchronized (out) {
            out.println("ack " + n);
            out.flush();
          }
        }
      } catch (SpendLogException e) {
        synchronized (out) {
          out.println("error " + e.getMessage());
          out.flush();
        }
      }
    }
  }
}
