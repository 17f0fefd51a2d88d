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

/** The behaviour every database behind {@link TranscriptStore} must show; one subclass per database. */
abstract class TranscriptStoreContract {

  protected TranscriptStore store;
  private final List<TranscriptStore> opened = new ArrayList<>();

  /** Settings of an empty database (the same one on every call within a test). */
  protected abstract StoreSettings settings();

  /** A plain JDBC connection to that database, bypassing the store (for the attacks on the schema). */
  protected abstract Connection rawConnection() throws SQLException;

  @BeforeEach
  void openStore() {
    store = open(settings());
  }

  @AfterEach
  void closeStores() {
    opened.forEach(TranscriptStore::close);
  }

  protected TranscriptStore open(StoreSettings settings) {
    TranscriptStore opening = TranscriptStore.open(settings);
    opened.add(opening);
    return opening;
  }

  @Test
  void createsListsAndFindsSessionsPerAgent() {
    SessionRecord first = store.createSession("alice", "first");
    SessionRecord second = store.createSession("alice", "second");
    store.createSession("bob", "other");

    assertThat(store.session(first.id())).contains(first);
    assertThat(store.sessions("alice", 10)).extracting(SessionRecord::id).containsExactly(second.id(), first.id());
    assertThat(store.sessions("alice", 1)).extracting(SessionRecord::id).containsExactly(second.id());
    assertThat(store.sessions(null, 10)).hasSize(3);
    assertThat(store.sessions("carol", 10)).isEmpty();
  }

  @Test
  void sessionIdsAreRandom128BitBase32AndJunkIdsAreUnknown() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      ids.add(store.createSession("alice", "").id());
    }
    assertThat(ids).hasSize(200).allSatisfy(id -> assertThat(id).matches("s[a-z2-7]{26}"));
    assertThat(store.session("' OR '1'='1")).isEmpty();
    assertThat(store.session("s" + "a".repeat(26))).isEmpty();
    assertThat(store.events("' OR '1'='1", 0, 10)).isEmpty();
    assertThatThrownBy(() -> store.append("x'; DROP TABLE events; --", null, "note", "{}"))
        .isInstanceOf(UnknownSessionException.class);
  }

  @Test
  void appendsNumberEventsFromOneAndKeepPayloadsIntact() {
    SessionRecord session = store.createSession("alice", "t");
    String unicode = "{\"text\":\"héllo \\u0000 ✓ 🎉 'quotes' \\\"x\\\"\"}";
    assertThat(store.append(session.id(), null, "user_message", unicode)).isEqualTo(1);
    assertThat(store.append(session.id(), null, "assistant_message", "{\"n\":2}")).isEqualTo(2);
    assertThat(store.append(session.id(), null, "assistant_message", "{\"n\":3}")).isEqualTo(3);

    List<EventRecord> all = store.events(session.id(), 0, 100);
    assertThat(all).extracting(EventRecord::seq).containsExactly(1L, 2L, 3L);
    assertThat(all.get(0).payload()).isEqualTo(unicode);
    assertThat(all.get(0).type()).isEqualTo("user_message");
    assertThat(store.events(session.id(), 1, 1)).extracting(EventRecord::seq).containsExactly(2L);
    assertThat(store.session(session.id()).orElseThrow().lastSeq()).isEqualTo(3);
  }

  @Test
  void refusesOversizedPayloadsAndFullSessions() {
    TranscriptStore small = open(settings().withLimits(new StoreLimits(16, 3, 2, 10, 5)));
    SessionRecord session = small.createSession("alice", "t");
    assertThat(small.append(session.id(), null, "e", "x".repeat(16))).isEqualTo(1);
    assertThatThrownBy(() -> small.append(session.id(), null, "e", "x".repeat(17)))
        .isInstanceOf(LimitExceededException.class).hasMessageContaining("16 bytes");
    // 6 characters, 18 UTF-8 bytes: the limit counts bytes.
    assertThatThrownBy(() -> small.append(session.id(), null, "e", "✓✓✓✓✓✓"))
        .isInstanceOf(LimitExceededException.class);
    small.append(session.id(), null, "e", "{}");
    small.append(session.id(), null, "e", "{}");
    assertThatThrownBy(() -> small.append(session.id(), null, "e", "{}"))
        .isInstanceOf(LimitExceededException.class).hasMessageContaining("maximum of 3 events");
    assertThat(small.events(session.id(), 0, 100)).hasSize(3);
    assertThat(small.events(session.id(), 0, 100_000)).hasSize(3);
  }

  @Test
  void refusesBadEventTypesAndUnknownSessions() {
    SessionRecord session = store.createSession("alice", "t");
    assertThatThrownBy(() -> store.append(session.id(), null, "Bad Type", "{}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.append(session.id(), null, "x".repeat(65), "{}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.append("s" + "b".repeat(26), null, "e", "{}"))
        .isInstanceOf(UnknownSessionException.class);
    assertThatThrownBy(() -> store.createSession("alice", "t".repeat(513)))
        .isInstanceOf(LimitExceededException.class);
  }

  @Test
  void oneRunAtATimePerSession() {
    SessionRecord session = store.createSession("alice", "t");
    RunRecord run = store.startRun(session.id());
    assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(run.id()).matches("r[a-z2-7]{26}");
    assertThatThrownBy(() -> store.startRun(session.id())).isInstanceOf(RunInProgressException.class);
    // Another session is independent.
    store.startRun(store.createSession("alice", "u").id());

    assertThat(store.finishRun(run.id(), RunStatus.COMPLETED, "done")).isTrue();
    assertThat(store.finishRun(run.id(), RunStatus.FAILED, "late")).isFalse();
    RunRecord finished = store.run(run.id()).orElseThrow();
    assertThat(finished.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(finished.reason()).isEqualTo("done");
    assertThat(finished.finishedAt()).isNotNull();

    RunRecord next = store.startRun(session.id());
    assertThat(store.runs(session.id(), 10)).extracting(RunRecord::id).containsExactlyInAnyOrder(run.id(), next.id());
    assertThatThrownBy(() -> store.finishRun(next.id(), RunStatus.RUNNING, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.startRun("s" + "c".repeat(26))).isInstanceOf(UnknownSessionException.class);
  }

  @Test
  void appendsOnlyForARunningRunOfTheSameSession() {
    SessionRecord session = store.createSession("alice", "t");
    SessionRecord other = store.createSession("alice", "u");
    RunRecord run = store.startRun(session.id());
    RunRecord otherRun = store.startRun(other.id());
    assertThat(store.append(session.id(), run.id(), "e", "{}")).isEqualTo(1);
    assertThat(store.events(session.id(), 0, 10).get(0).runId()).isEqualTo(run.id());

    assertThatThrownBy(() -> store.append(session.id(), otherRun.id(), "e", "{}"))
        .isInstanceOf(RunNotActiveException.class);
    store.finishRun(run.id(), RunStatus.ABORTED, "user");
    assertThatThrownBy(() -> store.append(session.id(), run.id(), "e", "{}"))
        .isInstanceOf(RunNotActiveException.class);
    assertThat(store.events(session.id(), 0, 10)).hasSize(1);
  }

  @Test
  void deletingASessionRemovesItsRunsAndEvents() throws SQLException {
    SessionRecord session = store.createSession("alice", "t");
    SessionRecord kept = store.createSession("alice", "kept");
    RunRecord run = store.startRun(session.id());
    store.append(session.id(), run.id(), "e", "{}");
    store.append(kept.id(), null, "e", "{}");

    assertThat(store.deleteSession(session.id())).isTrue();
    assertThat(store.deleteSession(session.id())).isFalse();
    assertThat(store.session(session.id())).isEmpty();
    assertThat(store.run(run.id())).isEmpty();
    assertThat(store.events(session.id(), 0, 10)).isEmpty();
    assertThat(store.events(kept.id(), 0, 10)).hasSize(1);
    assertThatThrownBy(() -> store.append(session.id(), run.id(), "e", "{}")).isInstanceOf(StoreException.class);
    try (Connection c = rawConnection(); Statement s = c.createStatement();
        var rows = s.executeQuery("SELECT COUNT(*) FROM events")) {
      rows.next();
      assertThat(rows.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void theDatabaseItselfRefusesToChangeOrDeleteEvents() throws SQLException {
    SessionRecord session = store.createSession("alice", "t");
    store.append(session.id(), null, "user_message", "{\"text\":\"original\"}");
    try (Connection c = rawConnection(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("UPDATE events SET payload = '{\"text\":\"forged\"}'"))
          .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM events")).isInstanceOf(SQLException.class)
          .hasMessageContaining("append-only");
    }
    assertThat(store.events(session.id(), 0, 10)).singleElement()
        .satisfies(e -> assertThat(e.payload()).contains("original"));
  }

  @Test
  void restartMarksRunningRunsInterruptedWithAnEvent() {
    SessionRecord session = store.createSession("alice", "t");
    SessionRecord idle = store.createSession("alice", "idle");
    RunRecord run = store.startRun(session.id());
    RunRecord done = store.startRun(idle.id());
    store.finishRun(done.id(), RunStatus.COMPLETED, null);
    store.append(session.id(), run.id(), "user_message", "{}");
    store.close();

    store = open(settings());
    assertThat(store.markInterruptedRuns()).isEqualTo(1);
    assertThat(store.markInterruptedRuns()).isZero();
    RunRecord interrupted = store.run(run.id()).orElseThrow();
    assertThat(interrupted.status()).isEqualTo(RunStatus.INTERRUPTED);
    assertThat(interrupted.finishedAt()).isNotNull();
    assertThat(store.run(done.id()).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    List<EventRecord> events = store.events(session.id(), 0, 10);
    assertThat(events).extracting(EventRecord::type).containsExactly("user_message", TranscriptStore.RUN_INTERRUPTED);
    assertThat(events.get(1).payload()).contains(run.id());
    assertThat(store.events(idle.id(), 0, 10)).isEmpty();
    assertThat(store.startRun(session.id()).status()).isEqualTo(RunStatus.RUNNING);
  }

  @Test
  void aStoreNeverMarksItsOwnRunsInterrupted() {
    SessionRecord session = store.createSession("alice", "t");
    RunRecord run = store.startRun(session.id());
    assertThat(store.markInterruptedRuns()).isZero();
    assertThat(store.run(run.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
    assertThat(store.append(session.id(), run.id(), "e", "{}")).isEqualTo(1);
  }

  @Test
  void manyThreadsAppendingToManySessionsGetGapFreeIncreasingNumbers() throws Exception {
    int sessions = 8;
    int threads = 16;
    int perThread = 40;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      ids.add(store.createSession("alice", "s" + i).id());
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
            String id = ids.get(ThreadLocalRandom.current().nextInt(sessions));
            long seq = store.append(id, null, "e", "{\"thread\":" + thread + ",\"i\":" + i + "}");
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
      List<Long> stored = store.events(id, 0, 1_000).stream().map(EventRecord::seq).toList();
      List<Long> expected = java.util.stream.LongStream.rangeClosed(1, stored.size()).boxed().toList();
      assertThat(stored).isEqualTo(expected);
      assertThat(returned.get(id)).containsExactlyInAnyOrderElementsOf(expected);
      total += stored.size();
    }
    assertThat(total).isEqualTo((long) threads * perThread);
  }

  @Test
  void concurrentStartsOnOneSessionLetExactlyOneWinAlsoAcrossTwoStores() throws Exception {
    TranscriptStore second = open(settings());
    for (int round = 0; round < 5; round++) {
      String id = store.createSession("alice", "race" + round).id();
      int threads = 12;
      CountDownLatch go = new CountDownLatch(1);
      AtomicInteger won = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      List<Throwable> other = new CopyOnWriteArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
        for (int t = 0; t < threads; t++) {
          TranscriptStore which = t % 2 == 0 ? store : second;
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
      assertThat(store.runs(id, 100)).hasSize(1);
    }
  }

  @Test
  void notesAreFoundBySimilarityAndOnlyForTheirAgent() {
    long near = store.saveNote("alice", "near", new float[] {1, 0, 0});
    store.saveNote("alice", "far", new float[] {0, 1, 0});
    store.saveNote("alice", "opposite", new float[] {-1, 0, 0});
    store.saveNote("bob", "bob's secret, identical vector", new float[] {1, 0, 0});
    store.saveNote("alice", "other model", new float[] {1, 0});

    List<ScoredNote> found = store.searchNotes("alice", new float[] {0.9f, 0.1f, 0}, 2);
    assertThat(found).extracting(n -> n.note().text()).containsExactly("near", "far");
    assertThat(found.get(0).note().id()).isEqualTo(near);
    assertThat(found.get(0).score()).isGreaterThan(found.get(1).score());
    assertThat(store.searchNotes("alice", new float[] {1, 0, 0}, 100))
        .extracting(n -> n.note().agent()).containsOnly("alice");
    assertThat(store.searchNotes("mallory", new float[] {1, 0, 0}, 10)).isEmpty();
    assertThat(store.notes("alice", 10)).extracting(NoteRecord::text)
        .containsExactly("other model", "opposite", "far", "near");
    assertThat(store.noteCount("bob")).isEqualTo(1);
  }

  @Test
  void notesAreBoundedPerAgentAndInLength() {
    TranscriptStore small = open(settings().withLimits(new StoreLimits(1 << 20, 100, 2, 10, 100)));
    small.saveNote("alice", "one", new float[] {1});
    small.saveNote("alice", "two", new float[] {1});
    assertThatThrownBy(() -> small.saveNote("alice", "three", new float[] {1}))
        .isInstanceOf(LimitExceededException.class).hasMessageContaining("maximum of 2 notes");
    small.saveNote("bob", "his own", new float[] {1});
    assertThatThrownBy(() -> small.saveNote("bob", "x".repeat(11), new float[] {1}))
        .isInstanceOf(LimitExceededException.class);
    assertThat(small.noteCount("alice")).isEqualTo(2);
  }

  @Test
  void reopeningKeepsEverything() {
    SessionRecord session = store.createSession("alice", "t");
    store.append(session.id(), null, "e", "{\"k\":1}");
    store.saveNote("alice", "remember", new float[] {1, 0});
    store.close();
    store = open(settings());
    assertThat(store.session(session.id())).hasValueSatisfying(s -> {
      assertThat(s.title()).isEqualTo("t");
      assertThat(s.createdAt()).isEqualTo(session.createdAt());
      assertThat(s.lastSeq()).isEqualTo(1);
    });
    assertThat(store.events(session.id(), 0, 10)).singleElement()
        .satisfies(e -> assertThat(e.payload()).isEqualTo("{\"k\":1}"));
    assertThat(store.append(session.id(), null, "e", "{}")).isEqualTo(2);
    assertThat(store.notes("alice", 10)).extracting(NoteRecord::text).containsExactly("remember");
    assertThat(store.ping()).isTrue();
  }
}
