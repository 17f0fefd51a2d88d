package dev.clincher.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.clincher.gateway.store.EventRecord;
import dev.clincher.gateway.store.RunNotActiveException;
import dev.clincher.gateway.store.SessionRecord;
import dev.clincher.gateway.store.StoreSettings;
import dev.clincher.gateway.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run's sink: durable before streamed, and it remembers {@code done}. */
class RunEventsTest {
  @TempDir
  Path dir;
  Stores store;
  SessionRecord session;

  @BeforeEach
  void open() {
    store = Stores.open(StoreSettings.sqlite(dir.resolve("sessions.db")));
    session = store.sessions().createSession("main", "t");
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aSubscriberSeesAnEventOnlyAfterItIsInTheTranscript() throws Exception {
    RunEvents events = new RunEvents(store.events(), session.id(), store.runs().startRun(session.id()).id());
    EventSubscription subscription = new EventSubscription();
    events.subscribe(subscription);
    long seq = events.emit(EventTypes.TOOL_RESULT, JsonNodeFactory.instance.objectNode().put("content", "ok"));
    StreamedEvent seen = subscription.next(Duration.ofSeconds(1));
    assertThat(seen.seq()).isEqualTo(seq);
    List<EventRecord> stored = store.events().events(session.id(), 0, 10);
    assertThat(stored).extracting(EventRecord::seq).contains(seq);
    assertThat(events.doneEmitted()).isFalse();
    events.emit(EventTypes.DONE, JsonNodeFactory.instance.objectNode().put("reason", "completed"));
    assertThat(events.doneEmitted()).isTrue();
  }

  @Test
  void anEventTheTranscriptRefusesIsNeverStreamed() throws Exception {
    RunEvents events = new RunEvents(store.events(), session.id(), "no-such-run");
    EventSubscription subscription = new EventSubscription();
    events.subscribe(subscription);
    assertThatThrownBy(() -> events.emit(EventTypes.TOOL_RESULT, JsonNodeFactory.instance.objectNode()))
        .isInstanceOf(RunNotActiveException.class);
    assertThat(subscription.next(Duration.ofMillis(50))).isNull();
  }

  @Test
  void anEventEmittedWithTheNextIsNeitherStoredNorStreamedUntilItsCommit() throws Exception {
    RunEvents events = new RunEvents(store.events(), session.id(), store.runs().startRun(session.id()).id());
    EventSubscription subscription = new EventSubscription();
    events.subscribe(subscription);
    long seq = events.emitWithNext(EventTypes.ASSISTANT_MESSAGE, JsonNodeFactory.instance.objectNode());
    assertThat(store.events().events(session.id(), 0, 10)).extracting(EventRecord::seq).doesNotContain(seq);
    assertThat(subscription.next(Duration.ofMillis(50))).isNull();
    events.awaitDurable();
    assertThat(store.events().events(session.id(), 0, 10)).extracting(EventRecord::seq).contains(seq);
    assertThat(subscription.next(Duration.ofSeconds(1)).seq()).isEqualTo(seq);
  }
}
