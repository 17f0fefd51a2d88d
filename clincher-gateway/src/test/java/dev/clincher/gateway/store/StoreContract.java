package dev.clincher.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every database behind the {@link Stores} must show; one subclass per database. */
abstract class StoreContract {

  protected Stores stores;
  protected SessionStore sessions;
  protected RunLedger runs;
  protected EventLog eventLog;
  protected NoteStore notes;
  private final List<Stores> opened = new ArrayList<>();

  /** Settings of an empty database (the same one on every call within a test). */
  protected abstract StoreSettings settings();

  /** A plain JDBC connection to that database, bypassing the store (for the attacks on the schema). */
  protected abstract Connection rawConnection() throws SQLException;

  /** Makes the database itself refuse to insert events of {@code type} (a trigger), to fail a write midway. */
  protected abstract void refuseEvents(String type) throws SQLException;

  /** Drops the trigger of {@link #refuseEvents}. */
  protected abstract void allowEvents() throws SQLException;

  @BeforeEach
  void openStores() {
    use(open(settings()));
  }

  @AfterEach
  void closeStores() {
    opened.forEach(Stores::close);
  }

  protected Stores open(StoreSettings settings) {
    Stores opening = Stores.open(settings);
    opened.add(opening);
    return opening;
  }

  /** Makes {@code opening}'s stores the ones the tests use. */
  private void use(Stores opening) {
    stores = opening;
    sessions = opening.sessions();
    runs = opening.runs();
    eventLog = opening.events();
    notes = opening.notes();
  }

  @Test
  void anAppendsStatementsArePreparedOncePerConnectionAndOutliveThePoolsReturn() throws Exception {
    SessionRecord session = sessions.createSession("alice", "cached");
    for (int i = 0; i < 20; i++) {
      eventLog.append(session.id(), null, "note", "{\"n\":" + i + "}");
    }
    assertThat(eventLog.events(session.id(), 0, 100)).extracting(EventRecord::seq)
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
    StatementCache cache = stores.database().statements();
    assertThat(cache.connections()).as("statements kept for the pool's connections only").isBetween(1, 8);

    String sql = "SELECT last_seq FROM sessions WHERE id = ?";
    Connection borrowed = stores.database().connection();
    Connection physical = borrowed.unwrap(Connection.class);
    java.sql.PreparedStatement first = cache.prepared(borrowed, sql);
    borrowed.close(); // back to the pool: its proxy closes what was prepared through it, not this
    assertThat(first.isClosed()).isFalse();
    assertThat(cache.prepared(physical, sql)).as("the same statement for the same connection").isSameAs(first);

    Connection raw = rawConnection();
    cache.prepared(raw, sql);
    int withRaw = cache.connections();
    raw.close();
    try (Connection another = rawConnection()) {
      cache.prepared(another, sql); // a new connection: closed ones are dropped first
      assertThat(cache.connections()).as("the closed connection's statements dropped").isEqualTo(withRaw);
    }
  }

  @Test
  void createsListsAndFindsSessionsPerAgent() {
    SessionRecord first = sessions.createSession("alice", "first");
    SessionRecord second = sessions.createSession("alice", "second");
    sessions.createSession("bob", "other");

    assertThat(sessions.session(first.id())).contains(first);
    assertThat(sessions.sessions("alice", 10)).extracting(SessionRecord::id).containsExactly(second.id(), first.id());
    assertThat(sessions.sessions("alice", 1)).extracting(SessionRecord::id).containsExactly(second.id());
    assertThat(sessions.sessions(null, 10)).hasSize(3);
    assertThat(sessions.sessions("carol", 10)).isEmpty();
  }

  @Test
  void sessionIdsAreRandom128BitBase32AndJunkIdsAreUnknown() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      ids.add(sessions.createSession("alice", "").id());
    }
    assertThat(ids).hasSize(200).allSatisfy(id -> assertThat(id).matches("s[a-z2-7]{26}"));
    assertThat(sessions.session("' OR '1'='1")).isEmpty();
    assertThat(sessions.session("s" + "a".repeat(26))).isEmpty();
    assertThat(eventLog.events("' OR '1'='1", 0, 10)).isEmpty();
    assertThatThrownBy(() -> eventLog.append("x'; DROP TABLE events; --", null, "note", "{}"))
        .isInstanceOf(UnknownSessionException.class);
  }

  @Test
  void appendsNumberEventsFromOneAndKeepPayloadsIntact() {
    SessionRecord session = sessions.createSession("alice", "t");
    String unicode = "{\"text\":\"héllo \\u0000 ✓ 🎉 'quotes' \\\"x\\\"\"}";
    assertThat(eventLog.append(session.id(), null, "user_message", unicode)).isEqualTo(1);
    assertThat(eventLog.append(session.id(), null, "assistant_message", "{\"n\":2}")).isEqualTo(2);
    assertThat(eventLog.append(session.id(), null, "assistant_message", "{\"n\":3}")).isEqualTo(3);

    List<EventRecord> all = eventLog.events(session.id(), 0, 100);
    assertThat(all).extracting(EventRecord::seq).containsExactly(1L, 2L, 3L);
    assertThat(all.get(0).payload()).isEqualTo(unicode);
    assertThat(all.get(0).type()).isEqualTo("user_message");
    assertThat(eventLog.events(session.id(), 1, 1)).extracting(EventRecord::seq).containsExactly(2L);
    assertThat(sessions.session(session.id()).orElseThrow().lastSeq()).isEqualTo(3);
  }

  @Test
  void refusesOversizedPayloadsAndFullSessions() {
    Stores small = open(settings().withLimits(new StoreLimits(16, 3, 2, 10, 5)));
    SessionRecord session = small.sessions().createSession("alice", "t");
    assertThat(small.events().append(session.id(), null, "e", "x".repeat(16))).isEqualTo(1);
    assertThatThrownBy(() -> small.events().append(session.id(), null, "e", "x".repeat(17)))
        .isInstanceOf(LimitExceededException.class).hasMessageContaining("16 bytes");
    // 6 characters, 18 UTF-8 bytes: the limit counts bytes.
    assertThatThrownBy(() -> small.events().append(session.id(), null, "e", "✓✓✓✓✓✓"))
        .isInstanceOf(LimitExceededException.class);
    small.events().append(session.id(), null, "e", "{}");
    small.events().append(session.id(), null, "e", "{}");
    assertThatThrownBy(() -> small.events().append(session.id(), null, "e", "{}"))
        .isInstanceOf(LimitExceededException.class).hasMessageContaining("maximum of 3 events");
    assertThat(small.events().events(session.id(), 0, 100)).hasSize(3);
    assertThat(small.events().events(session.id(), 0, 100_000)).hasSize(3);
  }

  @Test
  void refusesBadEventTypesAndUnknownSessions() {
    SessionRecord session = sessions.createSession("alice", "t");
    assertThatThrownBy(() -> eventLog.append(session.id(), null, "Bad Type", "{}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> eventLog.append(session.id(), null, "x".repeat(65), "{}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> eventLog.append("s" + "b".repeat(26), null, "e", "{}"))
        .isInstanceOf(UnknownSessionException.class);
    assertThatThrownBy(() -> sessions.createSession("alice", "t".repeat(513)))
        .isInstanceOf(LimitExceededException.class);
  }

  @Test
  void oneRunAtATimePerSession() {
    SessionRecord session = sessions.createSession("alice", "t");
    RunRecord run = runs.startRun(session.id());
    assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(run.id()).matches("r[a-z2-7]{26}");
    assertThatThrownBy(() -> runs.startRun(session.id())).isInstanceOf(RunInProgressException.class);
    // Another session is independent.
    runs.startRun(sessions.createSession("alice", "u").id());

    assertThat(runs.finishRun(run.id(), RunStatus.COMPLETED, "done")).isTrue();
    assertThat(runs.finishRun(run.id(), RunStatus.FAILED, "late")).isFalse();
    RunRecord finished = runs.run(run.id()).orElseThrow();
    assertThat(finished.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(finished.reason()).isEqualTo("done");
    assertThat(finished.finishedAt()).isNotNull();

    RunRecord next = runs.startRun(session.id());
    assertThat(runs.runs(session.id(), 10)).extracting(RunRecord::id).containsExactlyInAnyOrder(run.id(), next.id());
    assertThatThrownBy(() -> runs.finishRun(next.id(), RunStatus.RUNNING, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> runs.startRun("s" + "c".repeat(26))).isInstanceOf(UnknownSessionException.class);
  }

  @Test
  void appendsOnlyForARunningRunOfTheSameSession() {
    SessionRecord session = sessions.createSession("alice", "t");
    SessionRecord other = sessions.createSession("alice", "u");
    RunRecord run = runs.startRun(session.id());
    RunRecord otherRun = runs.startRun(other.id());
    assertThat(eventLog.append(session.id(), run.id(), "e", "{}")).isEqualTo(1);
    assertThat(eventLog.events(session.id(), 0, 10).get(0).runId()).isEqualTo(run.id());

    assertThatThrownBy(() -> eventLog.append(session.id(), otherRun.id(), "e", "{}"))
        .isInstanceOf(RunNotActiveException.class);
    runs.finishRun(run.id(), RunStatus.ABORTED, "user");
    assertThatThrownBy(() -> eventLog.append(session.id(), run.id(), "e", "{}"))
        .isInstanceOf(RunNotActiveException.class);
    assertThat(eventLog.events(session.id(), 0, 10)).hasSize(1);
  }

  @Test
  void deletingASessionRemovesItsRunsAndEvents() throws SQLException {
    SessionRecord session = sessions.createSession("alice", "t");
    SessionRecord kept = sessions.createSession("alice", "kept");
    RunRecord run = runs.startRun(session.id());
    eventLog.append(session.id(), run.id(), "e", "{}");
    eventLog.append(kept.id(), null, "e", "{}");

    assertThat(sessions.deleteSession(session.id())).isTrue();
    assertThat(sessions.deleteSession(session.id())).isFalse();
    assertThat(sessions.session(session.id())).isEmpty();
    assertThat(runs.run(run.id())).isEmpty();
    assertThat(eventLog.events(session.id(), 0, 10)).isEmpty();
    assertThat(eventLog.events(kept.id(), 0, 10)).hasSize(1);
    assertThatThrownBy(() -> eventLog.append(session.id(), run.id(), "e", "{}")).isInstanceOf(StoreException.class);
    try (Connection c = rawConnection(); Statement s = c.createStatement();
        var rows = s.executeQuery("SELECT COUNT(*) FROM events")) {
      rows.next();
      assertThat(rows.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void theDatabaseItselfRefusesToChangeOrDeleteEvents() throws SQLException {
    SessionRecord session = sessions.createSession("alice", "t");
    eventLog.append(session.id(), null, "user_message", "{\"text\":\"original\"}");
    try (Connection c = rawConnection(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("UPDATE events SET payload = '{\"text\":\"forged\"}'"))
          .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM events")).isInstanceOf(SQLException.class)
          .hasMessageContaining("append-only");
    }
    assertThat(eventLog.events(session.id(), 0, 10)).singleElement()
        .satisfies(e -> assertThat(e.payload()).contains("original"));
  }

  @Test
  void restartMarksRunningRunsInterruptedWithAnEvent() {
    SessionRecord session = sessions.createSession("alice", "t");
    SessionRecord idle = sessions.createSession("alice", "idle");
    RunRecord run = runs.startRun(session.id());
    RunRecord done = runs.startRun(idle.id());
    runs.finishRun(done.id(), RunStatus.COMPLETED, null);
    eventLog.append(session.id(), run.id(), "user_message", "{}");
    stores.close();

    use(open(settings()));
    assertThat(runs.markInterruptedRuns()).isEqualTo(1);
    assertThat(runs.markInterruptedRuns()).isZero();
    RunRecord interrupted = runs.run(run.id()).orElseThrow();
    assertThat(interrupted.status()).isEqualTo(RunStatus.INTERRUPTED);
    assertThat(interrupted.finishedAt()).isNotNull();
    assertThat(runs.run(done.id()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    List<EventRecord> transcript = eventLog.events(session.id(), 0, 10);
    assertThat(transcript).extracting(EventRecord::type).containsExactly("user_message", RunLedger.RUN_INTERRUPTED);
    assertThat(transcript.get(1).payload()).contains(run.id());
    assertThat(eventLog.events(idle.id(), 0, 10)).isEmpty();
    assertThat(runs.startRun(session.id()).status()).isEqualTo(RunStatus.RUNNING);
  }

  @Test
  void aRunIsMarkedInterruptedTogetherWithItsEventOrNotAtAll() throws SQLException {
    SessionRecord session = sessions.createSession("alice", "t");
    RunRecord run = runs.startRun(session.id());
    stores.close();
    use(open(settings()));

    refuseEvents(RunLedger.RUN_INTERRUPTED);
    assertThatThrownBy(runs::markInterruptedRuns).isInstanceOf(StoreException.class);
    assertThat(runs.run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
    assertThat(eventLog.events(session.id(), 0, 10)).isEmpty();
    assertThat(sessions.session(session.id()).orElseThrow().lastSeq()).isZero();

    allowEvents();
    assertThat(runs.markInterruptedRuns()).isEqualTo(1);
    assertThat(runs.run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.INTERRUPTED);
    assertThat(eventLog.events(session.id(), 0, 10)).singleElement()
        .satisfies(e -> assertThat(e.seq()).isEqualTo(1))
        .satisfies(e -> assertThat(e.type()).isEqualTo(RunLedger.RUN_INTERRUPTED));
  }

  @Test
  void anEventTheDatabaseRefusesTakesNoSequenceNumber() throws SQLException {
    SessionRecord session = sessions.createSession("alice", "t");
    refuseEvents("refused");
    assertThatThrownBy(() -> eventLog.append(session.id(), null, "refused", "{}"))
        .isInstanceOf(StoreException.class);
    assertThat(sessions.session(session.id()).orElseThrow().lastSeq()).isZero();
    assertThat(eventLog.append(session.id(), null, "e", "{}")).isEqualTo(1);
    assertThat(eventLog.events(session.id(), 0, 10)).extracting(EventRecord::type).containsExactly("e");
  }

  @Test
  void aStoreNeverMarksItsOwnRunsInterrupted() {
    SessionRecord session = sessions.createSession("alice", "t");
    RunRecord run = runs.startRun(session.id());
    assertThat(runs.markInterruptedRuns()).isZero();
    assertThat(runs.run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
    assertThat(eventLog.append(session.id(), run.id(), "e", "{}")).isEqualTo(1);
  }

  @Test
  void manyThreadsAppendingToManySessionsGetGapFreeIncreasingNumbers() throws Exception {
    int sessionCount = 8;
    int threads = 16;
    int perThread = 40;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < sessionCount; i++) {
      ids.add(sessions.createSession("alice", "s" + i).id());
    }
    Map<String, List<Long>> returned = new ConcurrentHashMap<>();
    ids.forEach(id -> returned.put(id, new CopyOnWriteArrayList<>()));
    List<String> violations = new CopyOnWriteArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          Map<String, Long> lastSeen = new java.util.HashMap<>();
          for (int i = 0; i < perThread; i++) {
            String id = ids.get(ThreadLocalRandom.current().nextInt(sessionCount));
            long seq = eventLog.append(id, null, "e", "{\"thread\":" + thread + ",\"i\":" + i + "}");
            if (seq <= lastSeen.getOrDefault(id, 0L)) {
              violations.add(id + ": " + seq + " after " + lastSeen.get(id));
            }
            lastSeen.put(id, seq);
            returned.get(id).add(seq);
          }
          return null;
        }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
    }
    assertThat(violations).isEmpty();
    long total = 0;
    for (String id : ids) {
      List<Long> stored = eventLog.events(id, 0, 1_000).stream().map(EventRecord::seq).toList();
      List<Long> expected = java.util.stream.LongStream.rangeClosed(1, stored.size()).boxed().toList();
      assertThat(stored).isEqualTo(expected);
      assertThat(returned.get(id)).containsExactlyInAnyOrderElementsOf(expected);
      total += stored.size();
    }
    assertThat(total).isEqualTo((long) threads * perThread);
  }

  @Test
  void concurrentStartsOnOneSessionLetExactlyOneWinAlsoAcrossTwoStores() throws Exception {
    Stores second = open(settings());
    for (int round = 0; round < 5; round++) {
      String id = sessions.createSession("alice", "race" + round).id();
      int threads = 12;
      CountDownLatch go = new CountDownLatch(1);
      AtomicInteger won = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      List<Throwable> other = new CopyOnWriteArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
        for (int t = 0; t < threads; t++) {
          RunLedger which = t % 2 == 0 ? runs : second.runs();
          pool.submit(() -> {
            go.await();
            try {
              which.startRun(id);
              won.incrementAndGet();
            } catch (RunInProgressException e) {
              refused.incrementAndGet();
            } catch (RuntimeException e) {
              other.add(e);
            }
            return null;
          });
        }
        go.countDown();
      }
      assertThat(other).isEmpty();
      assertThat(won.get()).isEqualTo(1);
      assertThat(refused.get()).isEqualTo(threads - 1);
      assertThat(runs.runs(id, 100)).hasSize(1);
    }
  }

  @Test
  void notesAreFoundBySimilarityAndOnlyForTheirAgent() {
    long near = notes.saveNote("alice", "near", new float[] {1, 0, 0});
    notes.saveNote("alice", "far", new float[] {0, 1, 0});
    notes.saveNote("alice", "opposite", new float[] {-1, 0, 0});
    notes.saveNote("bob", "bob's secret, identical vector", new float[] {1, 0, 0});
    notes.saveNote("alice", "other model", new float[] {1, 0});

    List<ScoredNote> found = notes.searchNotes("alice", new float[] {0.9f, 0.1f, 0}, 2);
    assertThat(found).extracting(n -> n.note().text()).containsExactly("near", "far");
    assertThat(found.get(0).note().id()).isEqualTo(near);
    assertThat(found.get(0).score()).isGreaterThan(found.get(1).score());
    assertThat(notes.searchNotes("alice", new float[] {1, 0, 0}, 100))
        .extracting(n -> n.note().agent()).containsOnly("alice");
    assertThat(notes.searchNotes("mallory", new float[] {1, 0, 0}, 10)).isEmpty();
    assertThat(notes.notes("alice", 10)).extracting(NoteRecord::text)
        .containsExactly("other model", "opposite", "far", "near");
    assertThat(notes.noteCount("bob")).isEqualTo(1);
  }

  @Test
  void notesAreBoundedPerAgentAndInLength() {
    Stores small = open(settings().withLimits(new StoreLimits(1 << 20, 100, 2, 10, 100)));
    small.notes().saveNote("alice", "one", new float[] {1});
    small.notes().saveNote("alice", "two", new float[] {1});
    assertThatThrownBy(() -> small.notes().saveNote("alice", "three", new float[] {1}))
        .isInstanceOf(LimitExceededException.class).hasMessageContaining("maximum of 2 notes");
    small.notes().saveNote("bob", "his own", new float[] {1});
    assertThatThrownBy(() -> small.notes().saveNote("bob", "x".repeat(11), new float[] {1}))
        .isInstanceOf(LimitExceededException.class);
    assertThat(small.notes().noteCount("alice")).isEqualTo(2);
  }

  @Test
  void reopeningKeepsEverything() {
    SessionRecord session = sessions.createSession("alice", "t");
    eventLog.append(session.id(), null, "e", "{\"k\":1}");
    notes.saveNote("alice", "remember", new float[] {1, 0});
    stores.close();
    use(open(settings()));
    assertThat(sessions.session(session.id())).hasValueSatisfying(s -> {
      assertThat(s.title()).isEqualTo("t");
      assertThat(s.createdAt()).isEqualTo(session.createdAt());
      assertThat(s.lastSeq()).isEqualTo(1);
    });
    assertThat(eventLog.events(session.id(), 0, 10)).singleElement()
        .satisfies(e -> assertThat(e.payload()).isEqualTo("{\"k\":1}"));
    assertThat(eventLog.append(session.id(), null, "e", "{}")).isEqualTo(2);
    assertThat(notes.notes("alice", 10)).extracting(NoteRecord::text).containsExactly("remember");
    assertThat(stores.database().ping()).isTrue();
  }

  @Test
  void channelsKeepTheirSessionPairingsAndOffsetAcrossAReopen() {
    ChannelStore channels = stores.channels();
    SessionRecord first = sessions.createSession("main", "telegram");
    SessionRecord second = sessions.createSession("main", "telegram");
    channels.bindSession("telegram:dm:7", first.id());
    channels.bindSession("telegram:dm:7", second.id());
    channels.pair("telegram", "7");
    channels.pair("telegram", "7");
    channels.saveOffset("telegram:42", 1001);

    ChannelStore reopened = open(settings()).channels();
    assertThat(reopened.sessionOf("telegram:dm:7")).contains(second.id());
    assertThat(reopened.sessionOf("telegram:dm:8")).isEmpty();
    assertThat(reopened.isPaired("telegram", "7")).isTrue();
    assertThat(reopened.isPaired("telegram", "8")).isFalse();
    assertThat(reopened.pairedSenders("telegram")).containsExactly("7");
    assertThat(reopened.offset("telegram:42")).isEqualTo(1001);
    assertThat(reopened.offset("telegram:43")).isZero();

    sessions.deleteSession(second.id());
    reopened.unpair("telegram", "7");
    assertThat(reopened.sessionOf("telegram:dm:7")).as("the mapping goes with its session").isEmpty();
    assertThat(reopened.isPaired("telegram", "7")).isFalse();
  }

  @Test
  void pendingPairingCodesSurviveAReopenByHashAndExpire() {
    ChannelStore channels = stores.channels();
    java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
    channels.addPendingCode("telegram", new ChannelStore.PendingCode("aa", "7", "7", now.plusSeconds(60)));
    channels.addPendingCode("telegram", new ChannelStore.PendingCode("bb", "7", "7", now.plusSeconds(90)));
    channels.addPendingCode("telegram", new ChannelStore.PendingCode("cc", "8", "8", now.plusSeconds(10)));
    channels.addPendingCode("telegram", new ChannelStore.PendingCode("dd", "9", "9", now.plusSeconds(120)));

    ChannelStore reopened = open(settings()).channels();
    assertThat(reopened.prunePendingCodes("telegram", now.plusSeconds(20), 10)).as("cc expired").isEqualTo(3);
    assertThat(reopened.takePendingCode("telegram", "cc", now)).isEmpty();
    assertThat(reopened.takePendingCode("telegram", "aa", now)).get().extracting(ChannelStore.PendingCode::senderId)
        .isEqualTo("7");
    assertThat(reopened.takePendingCode("telegram", "bb", now)).as("the sender's other code went with it").isEmpty();
    assertThat(reopened.takePendingCode("telegram", "dd", now.plusSeconds(121))).as("expired").isEmpty();
    assertThat(reopened.prunePendingCodes("telegram", now, 10)).isZero();

    channels.addPendingCode("telegram", new ChannelStore.PendingCode("e1", "1", "1", now.plusSeconds(1)));
    channels.addPendingCode("telegram", new ChannelStore.PendingCode("e2", "2", "2", now.plusSeconds(2)));
    channels.addPendingCode("telegram", new ChannelStore.PendingCode("e3", "3", "3", now.plusSeconds(3)));
    assertThat(channels.prunePendingCodes("telegram", now, 2)).isEqualTo(2);
    assertThat(channels.takePendingCode("telegram", "e1", now)).as("the oldest is dropped first").isEmpty();
    assertThat(channels.takePendingCode("telegram", "e3", now)).isPresent();
  }
}
