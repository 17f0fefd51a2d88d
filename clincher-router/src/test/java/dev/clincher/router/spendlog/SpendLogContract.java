package dev.clincher.router.spendlog;

import static dev.clincher.router.spendlog.SpendRecords.KEY_A;
import static dev.clincher.router.spendlog.SpendRecords.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.testing.ChildJvm;
import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.spendlog.SpendLog.Appended;
import dev.clincher.router.spendlog.SpendLogException.Reason;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the spend log does on every database; one subclass per database. The database is made to stop answering by
 * another connection holding its write lock (SQLite: {@code BEGIN IMMEDIATE}; PostgreSQL: {@code LOCK TABLE}), which
 * stalls the writer in its first batch while the next appends queue up: that also makes batching deterministic.
 */
abstract class SpendLogContract {
  private static final Duration LONG = Duration.ofSeconds(30);
  private static final SpendLogSettings PATIENT =
      SpendLogSettings.DEFAULTS.withCommitTimeout(LONG).withLockTimeout(LONG).withCloseTimeout(LONG);

  private final List<SpendLog> opened = new ArrayList<>();
  private final ExecutorService appenders = Executors.newVirtualThreadPerTaskExecutor();

  /** The database of this test (the same one on every call within a test). */
  protected abstract DatabaseUrl url() throws SQLException;

  /** Takes the database's write lock on another connection until closed. */
  protected abstract AutoCloseable holdWriteLock() throws SQLException;

  @AfterEach
  void closeLogs() {
    opened.forEach(SpendLog::close);
    appenders.shutdownNow();
  }

  protected SpendLog open(SpendLogSettings settings) throws Exception {
    return open(url(), settings);
  }

  protected SpendLog open(DatabaseUrl url, SpendLogSettings settings) throws SpendLogException {
    SpendLog log = SpendLog.open(url, settings);
    opened.add(log);
    return log;
  }

  @Test
  void appendedRecordsAreReadableAfterCloseAndReopen() throws Exception {
    SpendLog log = open(SpendLogSettings.DEFAULTS);
    List<SpendRecord> records = numbered("kept-", 120);
    for (CompletableFuture<Appended> result : appendAll(log, records)) {
      assertThat(result.get()).isEqualTo(Appended.WRITTEN);
    }
    log.close();
    assertThatThrownBy(() -> log.append(SpendRecords.numbered("late", 500)))
        .isInstanceOfSatisfying(SpendLogException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED));

    SpendLog reopened = open(SpendLogSettings.DEFAULTS);
    List<SpendRecord> read = new ArrayList<>();
    for (int page = 1; page <= 3; page++) {
      read.addAll(reopened.query(SpendFilter.ALL, page, 50).records());
    }
    assertThat(read).as("newest first, every field as appended")
        .containsExactlyElementsOf(records.reversed());
  }

  @Test
  void concurrentAppendsShareCommitsOfAtMostMaxBatch() throws Exception {
    SpendLog log = open(PATIENT.withMaxBatch(16));
    List<CompletableFuture<Appended>> results;
    int firstBatch;
    try (AutoCloseable lock = holdWriteLock()) {
      results = appendAll(log, numbered("group-", 64));
      awaitCondition(() -> stalledWith(log.stats(), 64)); // the writer holds its first batch, the rest wait
      firstBatch = log.stats().inFlight();
    }
    for (CompletableFuture<Appended> result : results) {
      assertThat(result.get()).isEqualTo(Appended.WRITTEN);
    }
    // The stalled batch, then the 64 - firstBatch queued records in batches of at most 16.
    assertThat(firstBatch).isBetween(1, 16);
    assertThat(log.stats().commits()).isEqualTo(1 + (64 - firstBatch + 15) / 16);
    assertThat(log.stats().written()).isEqualTo(64);
    assertThat(log.query(SpendFilter.ALL, 1, 100).total()).isEqualTo(64);
  }

  @Test
  void aDuplicateIdIsReportedAndTheRestOfItsBatchLands() throws Exception {
    SpendLog log = open(PATIENT);
    SpendRecord original = SpendRecords.numbered("dup-x", 1);
    assertThat(log.append(original)).isEqualTo(Appended.WRITTEN);
    long commitsBefore = log.stats().commits();

    SpendRecord a = SpendRecords.numbered("dup-a", 2);
    List<CompletableFuture<Appended>> results = new ArrayList<>();
    try (AutoCloseable lock = holdWriteLock()) {
      results.add(appendAsync(log, SpendRecords.numbered("dup-first", 3))); // the writer's stalled batch
      awaitCondition(() -> log.stats().inFlight() == 1);
      for (SpendRecord record : List.of(a, SpendRecords.numbered("dup-x", 4), SpendRecords.numbered("dup-c", 5),
          SpendRecords.numbered("dup-a", 6))) {
        results.add(appendAsync(log, record));
        int queued = results.size() - 1;
        awaitCondition(() -> log.stats().queued() == queued); // in this order
      }
    }
    assertThat(results.get(0).get()).isEqualTo(Appended.WRITTEN);
    assertThat(results.get(1).get()).as("dup-a, first in its batch").isEqualTo(Appended.WRITTEN);
    assertThat(results.get(2).get()).as("dup-x, already logged").isEqualTo(Appended.DUPLICATE);
    assertThat(results.get(3).get()).as("dup-c").isEqualTo(Appended.WRITTEN);
    assertThat(results.get(4).get()).as("dup-a again, in the same batch").isEqualTo(Appended.DUPLICATE);
    assertThat(log.stats().commits() - commitsBefore).as("the four queued records were one batch").isEqualTo(2);
    assertThat(log.stats().duplicates()).isEqualTo(2);
    assertThat(log.query(SpendFilter.ALL, 1, 10).records()).extracting(SpendRecord::requestId)
        .containsExactlyInAnyOrder("dup-x", "dup-first", "dup-a", "dup-c");
    assertThat(log.query(SpendFilter.ALL, 1, 10).records()).as("the first record of each id won")
        .contains(original, a);
  }

  @Test
  void aFullQueueRefusesAtOnce() throws Exception {
    SpendLog log = open(PATIENT.withQueueCapacity(4).withMaxBatch(1));
    List<CompletableFuture<Appended>> results = new ArrayList<>();
    try (AutoCloseable lock = holdWriteLock()) {
      results.add(appendAsync(log, SpendRecords.numbered("full-0", 0)));
      awaitCondition(() -> log.stats().inFlight() == 1); // the writer holds it; four more fill the queue
      for (int n = 1; n < 5; n++) {
        results.add(appendAsync(log, SpendRecords.numbered("full-" + n, n)));
      }
      awaitCondition(() -> log.stats().queued() == 4);
      long start = System.nanoTime();
      assertThatThrownBy(() -> log.append(SpendRecords.numbered("full-refused", 9)))
          .isInstanceOfSatisfying(SpendLogException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.QUEUE_FULL);
            assertThat(e.getMessage()).contains("queue is full (4 records waiting").contains("full-refused");
          });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no waiting for the 30 s commit timeout")
          .isLessThan(Duration.ofSeconds(2));
    }
    for (CompletableFuture<Appended> result : results) {
      assertThat(result.get()).isEqualTo(Appended.WRITTEN);
    }
    assertThat(log.query(SpendFilter.ALL, 1, 10).total()).isEqualTo(5);
  }

  @Test
  void aStalledDatabaseFailsAppendWithinTheCommitTimeoutAndTheRecordMayLandLater() throws Exception {
    SpendLog log = open(PATIENT.withCommitTimeout(Duration.ofMillis(500)));
    SpendRecord record = SpendRecords.numbered("stalled", 1);
    try (AutoCloseable lock = holdWriteLock()) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> log.append(record))
          .isInstanceOfSatisfying(SpendLogException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
            assertThat(e.getMessage()).contains("stalled was not confirmed durable within 500 ms")
                .contains("may still be written");
          });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(3));
    }
    awaitCondition(() -> count(log) == 1);
    assertThat(log.append(record)).as("appending again is safe; the first attempt landed")
        .isEqualTo(Appended.DUPLICATE);
    assertThat(log.append(SpendRecords.numbered("after-stall", 2))).isEqualTo(Appended.WRITTEN);
  }

  @Test
  void aFailedCommitFailsEveryWaiterOfItsBatchAndTheWriterCarriesOn() throws Exception {
    SpendLog log = open(PATIENT.withLockTimeout(Duration.ofMillis(300)));
    List<SpendRecord> records = List.of(SpendRecords.numbered("lost-1", 1), SpendRecords.numbered("lost-2", 2),
        SpendRecords.numbered("lost-3", 3));
    List<CompletableFuture<Appended>> results;
    try (AutoCloseable lock = holdWriteLock()) {
      results = appendAll(log, records);
      for (CompletableFuture<Appended> result : results) {
        assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class).cause()
            .isInstanceOfSatisfying(SpendLogException.class, e -> {
              assertThat(e.reason()).isEqualTo(Reason.COMMIT_FAILED);
              assertThat(e.getMessage()).contains("commit of").contains("failed");
              assertThat(e.getCause()).isInstanceOf(SQLException.class);
            });
      }
    }
    assertThat(log.stats().failedBatches()).isBetween(1L, 3L);
    assertThat(log.append(SpendRecords.numbered("after-failure", 4))).isEqualTo(Appended.WRITTEN);
    for (SpendRecord record : records) {
      assertThat(log.append(record)).as("the failed batch was not written").isEqualTo(Appended.WRITTEN);
    }
  }

  @Test
  void closeDrainsTheQueue() throws Exception {
    SpendLog log = open(PATIENT);
    List<CompletableFuture<Appended>> results;
    Thread closer;
    try (AutoCloseable lock = holdWriteLock()) {
      results = appendAll(log, numbered("drain-", 10));
      awaitCondition(() -> stalledWith(log.stats(), 10));
      closer = Thread.ofPlatform().start(log::close);
      awaitCondition(() -> closer.getState() == Thread.State.TIMED_WAITING); // joining the writer
      assertThatThrownBy(() -> log.append(SpendRecords.numbered("too-late", 99))).as("closing refuses at once")
          .isInstanceOfSatisfying(SpendLogException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CLOSED));
    }
    closer.join(Duration.ofSeconds(30));
    assertThat(closer.isAlive()).isFalse();
    for (CompletableFuture<Appended> result : results) {
      assertThat(result.get()).isEqualTo(Appended.WRITTEN);
    }
    assertThat(open(SpendLogSettings.DEFAULTS).query(SpendFilter.ALL, 1, 100).total()).isEqualTo(10);
  }

  @Test
  void closeGivesUpOnTheQueueAfterItsTimeout() throws Exception {
    SpendLog log = open(PATIENT.withMaxBatch(1).withCloseTimeout(Duration.ofMillis(300)));
    List<CompletableFuture<Appended>> results;
    try (AutoCloseable lock = holdWriteLock()) {
      results = appendAll(log, numbered("abandoned-", 5));
      awaitCondition(() -> log.stats().queued() == 4 && log.stats().inFlight() == 1);
      long start = System.nanoTime();
      log.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      awaitCondition(() -> results.stream().filter(CompletableFuture::isCompletedExceptionally).count() == 4);
      for (CompletableFuture<Appended> result : results) {
        if (result.isCompletedExceptionally()) {
          assertThatThrownBy(result::get).cause().isInstanceOfSatisfying(SpendLogException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.CLOSED);
            assertThat(e.getMessage()).contains("closed before record abandoned-").contains("at most 300 ms");
          });
        }
      }
    }
    // The batch the writer held when close gave up is still committed once the lock is gone.
    assertThat(results.stream().filter(r -> !r.isCompletedExceptionally()).findFirst().orElseThrow().get())
        .isEqualTo(Appended.WRITTEN);
  }

  @Test
  void queryFiltersPagesAndCountsNewestFirst() throws Exception {
    SpendLog log = open(SpendLogSettings.DEFAULTS);
    Map<String, SpendRecord> known = appendKnownSet(log);
    assertThat(ids(log.query(SpendFilter.ALL, 1, 2))).containsExactly("r5", "r4");
    assertThat(log.query(SpendFilter.ALL, 1, 2).total()).isEqualTo(8);
    assertThat(ids(log.query(SpendFilter.ALL, 2, 2))).containsExactly("r3", "tie-2");
    assertThat(ids(log.query(SpendFilter.ALL, 3, 2))).containsExactly("tie-1", "r2");
    Page beyond = log.query(SpendFilter.ALL, 9, 2);
    assertThat(beyond.records()).isEmpty();
    assertThat(beyond.total()).isEqualTo(8);

    assertThat(ids(log.query(SpendFilter.ALL.withKeyHash(KEY_A), 1, 10))).containsExactly("tie-2", "tie-1", "r2", "r1",
        "r6");
    assertThat(ids(log.query(SpendFilter.ALL.withTeam("t2"), 1, 10))).containsExactly("r5", "r4");
    assertThat(ids(log.query(SpendFilter.ALL.withEndUser("u1"), 1, 10)))
        .containsExactly("r4", "tie-2", "tie-1", "r1", "r6");
    assertThat(ids(log.query(SpendFilter.ALL.withModelGroup("m2"), 1, 10))).containsExactly("r4", "r3");
    Instant march2 = Instant.parse("2026-03-02T00:00:00Z");
    assertThat(ids(log.query(SpendFilter.ALL.between(march2, march2.plus(Duration.ofDays(1))), 1, 10)))
        .as("from inclusive, to exclusive").containsExactly("r4", "r3", "tie-2", "tie-1", "r2");
    Page narrow = log.query(SpendFilter.ALL.withKeyHash(KEY_A).withTeam("t1").withEndUser("u1")
        .withModelGroup("m1").between(march2.minus(Duration.ofDays(1)), march2), 1, 10);
    assertThat(narrow.records()).containsExactly(known.get("r1"));
    assertThat(narrow.total()).isEqualTo(1);
    assertThat(log.query(SpendFilter.ALL.withKeyHash("' OR '1'='1"), 1, 10).total()).isZero();
    assertThatThrownBy(() -> log.query(SpendFilter.ALL, 1, 1_001)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> log.query(SpendFilter.ALL, 0, 10)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void reportSumsByUtcDayAndTheOtherDimensions() throws Exception {
    SpendLog log = open(SpendLogSettings.DEFAULTS);
    appendKnownSet(log);
    Instant from = Instant.parse("2026-03-01T00:00:00Z");
    Instant to = Instant.parse("2026-03-03T00:00:00Z"); // r5 at exactly `to` is out, r6 on Feb 28 too

    assertThat(log.report(from, to, EnumSet.of(Dimension.DAY))).containsExactly(
        row(Map.of(Dimension.DAY, "2026-03-01"), 1, 10, 1, 100),
        row(Map.of(Dimension.DAY, "2026-03-02"), 5, 96, 12, 630));
    assertThat(log.report(from, to, EnumSet.of(Dimension.DAY, Dimension.MODEL))).containsExactly(
        row(Map.of(Dimension.DAY, "2026-03-01", Dimension.MODEL, "m1"), 1, 10, 1, 100),
        row(Map.of(Dimension.DAY, "2026-03-02", Dimension.MODEL, "m1"), 3, 26, 5, 230),
        row(Map.of(Dimension.DAY, "2026-03-02", Dimension.MODEL, "m2"), 2, 70, 7, 400));
    assertThat(log.report(from, to, EnumSet.of(Dimension.KEY, Dimension.TEAM))).containsExactlyInAnyOrder(
        row(Map.of(Dimension.KEY, "", Dimension.TEAM, ""), 1, 30, 3, 0),
        row(Map.of(Dimension.KEY, KEY_A, Dimension.TEAM, "t1"), 4, 36, 6, 330),
        row(Map.of(Dimension.KEY, KEY_B, Dimension.TEAM, "t2"), 1, 40, 4, 400));
    assertThat(log.report(from, to, EnumSet.of(Dimension.USER))).containsExactly(
        row(Map.of(Dimension.USER, ""), 1, 30, 3, 0),
        row(Map.of(Dimension.USER, "u1"), 4, 56, 8, 530),
        row(Map.of(Dimension.USER, "u2"), 1, 20, 2, 200));
    assertThat(log.report(from, to, Set.of())).containsExactly(row(Map.of(), 6, 106, 13, 730));
    assertThat(log.report(to.plusSeconds(86_400), to.plusSeconds(2 * 86_400), Set.of()))
        .containsExactly(row(Map.of(), 0, 0, 0, 0));
    assertThat(log.report(to.plusSeconds(86_400), to.plusSeconds(2 * 86_400), EnumSet.of(Dimension.KEY))).isEmpty();
  }

  @Test
  void sumsEqualAStraightforwardSumInJava() throws Exception {
    SpendLog log = open(SpendLogSettings.DEFAULTS);
    List<SpendRecord> records = SpendRecords.random(1_500, 42);
    for (CompletableFuture<Appended> result : appendAll(log, records)) {
      assertThat(result.get()).isEqualTo(Appended.WRITTEN);
    }
    Instant since = Instant.parse("2026-02-01T00:00:00Z");
    List<Set<Dimension>> groupings = List.of(Set.of(), EnumSet.of(Dimension.KEY), EnumSet.of(Dimension.TEAM),
        EnumSet.of(Dimension.USER), EnumSet.of(Dimension.MODEL), EnumSet.of(Dimension.DEPLOYMENT),
        EnumSet.of(Dimension.KEY, Dimension.MODEL), EnumSet.of(Dimension.DAY));
    for (Set<Dimension> by : groupings) {
      assertThat(asMap(log.sums(since, by))).as("by " + by).isEqualTo(javaSums(records, since, by));
    }
    List<SumRow> global = log.sums(Instant.parse("2027-01-01T00:00:00Z"), Set.of());
    assertThat(global).hasSize(1);
    assertThat(global.get(0).since()).isEqualTo(Totals.ZERO);
    assertThat(global.get(0).allTime().requests()).isEqualTo(1_500);
  }

  @Test
  void kill9LosesNoAcknowledgedRecord() throws Exception {
    DatabaseUrl url = url();
    SpendLog.open(url, SpendLogSettings.DEFAULTS).close(); // the schema, before the child races for it
    Map<String, String> env = new HashMap<>(Map.of("CLINCHER_SPENDLOG_URL", url.jdbcUrl()));
    url.user().ifPresent(user -> env.put("CLINCHER_SPENDLOG_USER", user));
    url.password().ifPresent(p -> env.put("CLINCHER_SPENDLOG_PASSWORD", p.reveal()));
    Process child = ChildJvm.start(SpendLogCrashChild.class, env, List.of("-Xmx128m"));
    Set<Integer> acknowledged = new HashSet<>();
    StringBuilder other = new StringBuilder();
    int exit = ChildJvm.readLines(child, Duration.ofSeconds(120), line -> {
      if (line.matches("ack \\d+")) {
        acknowledged.add(Integer.parseInt(line.substring(4)));
        if (acknowledged.size() == 300) {
          ChildJvm.kill(child); // mid-load: the child's threads keep appending until the signal lands
        }
      } else if (other.length() < 10_000) {
        other.append(line).append('\n');
      }
    });
    assertThat(acknowledged).as("child output:\n" + other).hasSizeGreaterThanOrEqualTo(300);
    assertThat(exit).as("killed by SIGKILL").isEqualTo(137);

    Map<String, SpendRecord> rows = new HashMap<>();
    SpendLog reopened = open(SpendLogSettings.DEFAULTS);
    for (int page = 1; ; page++) {
      List<SpendRecord> records = reopened.query(SpendFilter.ALL, page, 1_000).records();
      records.forEach(r -> rows.put(r.requestId(), r));
      if (records.size() < 1_000) {
        break;
      }
    }
    List<Integer> missing = acknowledged.stream().filter(n -> !rows.containsKey(SpendLogCrashChild.id(n))).sorted()
        .toList();
    assertThat(missing).as("acknowledged records missing after kill -9 (%d acknowledged, %d rows)",
        acknowledged.size(), rows.size()).isEmpty();
    rows.values().forEach(row -> assertThat(row).as("whole, as appended")
        .isEqualTo(SpendRecords.numbered(row.requestId(), Integer.parseInt(row.requestId().substring(6)))));
  }

  /**
   * r1..r6 around the day boundaries of 1-3 March 2026 (UTC), plus two records at the same millisecond. The sums in
   * {@link #reportSumsByUtcDayAndTheOtherDimensions} are worked out by hand from this table.
   */
  private Map<String, SpendRecord> appendKnownSet(SpendLog log) throws Exception {
    Instant tie = Instant.parse("2026-03-02T06:00:00Z");
    List<SpendRecord> records = List.of(
        known("r1", "2026-03-01T23:59:59.999Z", KEY_A, "t1", "u1", "m1", "d1", 10, 1, 100),
        known("r2", "2026-03-02T00:00:00Z", KEY_A, "t1", "u2", "m1", "d2", 20, 2, 200),
        new SpendRecord("r3", Instant.parse("2026-03-02T12:00:00Z"), Optional.empty(), Optional.empty(),
            Optional.empty(), "m2", SpendRecord.CACHE, 30, 3, 0, 0, 0, true, false, 200, 1),
        new SpendRecord("r4", Instant.parse("2026-03-02T23:59:59.999Z"), Optional.of(KEY_B), Optional.of("t2"),
            Optional.of("u1"), "m2", "d1", 40, 4, 5, 6, 400, false, true, 200, 9_000),
        new SpendRecord("r5", Instant.parse("2026-03-03T00:00:00Z"), Optional.of(KEY_B), Optional.of("t2"),
            Optional.empty(), "m1", "", 0, 0, 0, 0, 0, false, false, 502, 30_000),
        known("r6", "2026-02-28T10:00:00Z", KEY_A, "t1", "u1", "m1", "d1", 5, 5, 50),
        known("tie-1", tie.toString(), KEY_A, "t1", "u1", "m1", "d1", 3, 1, 15),
        known("tie-2", tie.toString(), KEY_A, "t1", "u1", "m1", "d1", 3, 2, 15));
    Map<String, SpendRecord> byId = new HashMap<>();
    for (SpendRecord record : records) {
      assertThat(log.append(record)).isEqualTo(Appended.WRITTEN);
      byId.put(record.requestId(), record);
    }
    return byId;
  }

  private static SpendRecord known(String id, String time, String key, String team, String user, String model,
      String deployment, long prompt, long completion, long cost) {
    return new SpendRecord(id, Instant.parse(time), Optional.of(key), Optional.of(team), Optional.of(user), model,
        deployment, prompt, completion, 0, 0, cost, false, false, 200, 100);
  }

  private static ReportRow row(Map<Dimension, String> group, long requests, long prompt, long completion, long cost) {
    return new ReportRow(group, new Totals(requests, prompt, completion, cost));
  }

  private static List<String> ids(Page page) {
    return page.records().stream().map(SpendRecord::requestId).toList();
  }

  private static Map<Map<Dimension, String>, List<Totals>> asMap(List<SumRow> rows) {
    Map<Map<Dimension, String>, List<Totals>> map = new HashMap<>();
    rows.forEach(row -> map.put(row.group(), List.of(row.since(), row.allTime())));
    return map;
  }

  /** The expected sums, written the plain way: one pass over the records. */
  private static Map<Map<Dimension, String>, List<Totals>> javaSums(List<SpendRecord> records, Instant since,
      Set<Dimension> by) {
    Map<Map<Dimension, String>, List<Totals>> sums = new HashMap<>();
    for (SpendRecord record : records) {
      Map<Dimension, String> group = new EnumMap<>(Dimension.class);
      for (Dimension dimension : by) {
        group.put(dimension, switch (dimension) {
          case DAY -> record.time().toString().substring(0, 10);
          case MODEL -> record.modelGroup();
          case KEY -> record.keyHash().orElse("");
          case TEAM -> record.team().orElse("");
          case USER -> record.endUser().orElse("");
          case DEPLOYMENT -> record.deployment();
        });
      }
      List<Totals> old = sums.getOrDefault(Map.copyOf(group), List.of(Totals.ZERO, Totals.ZERO));
      Totals inWindow = record.time().isBefore(since) ? old.get(0) : old.get(0).plus(record);
      sums.put(Map.copyOf(group), List.of(inWindow, old.get(1).plus(record)));
    }
    return sums;
  }

  /** {@code prefix0}, {@code prefix1}, … as {@link SpendRecords#numbered}. */
  private static List<SpendRecord> numbered(String prefix, int count) {
    return IntStream.range(0, count).mapToObj(n -> SpendRecords.numbered(prefix + n, n)).toList();
  }

  private List<CompletableFuture<Appended>> appendAll(SpendLog log, List<SpendRecord> records) {
    return records.stream().map(record -> appendAsync(log, record)).toList();
  }

  private CompletableFuture<Appended> appendAsync(SpendLog log, SpendRecord record) {
    CompletableFuture<Appended> result = new CompletableFuture<>();
    appenders.execute(() -> {
      try {
        result.complete(log.append(record));
      } catch (SpendLogException | RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  private static long count(SpendLog log) {
    try {
      return log.query(SpendFilter.ALL, 1, 1).total();
    } catch (SpendLogException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether the writer holds a batch (stalled by the lock) and, with it, {@code records} are waiting. */
  private static boolean stalledWith(SpendLog.Stats stats, int records) {
    return stats.inFlight() > 0 && stats.queued() + stats.inFlight() == records;
  }

  /** Polls {@code condition} every 10 ms for at most 20 s. */
  static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s");
      }
      Thread.sleep(10);
    }
  }
}
