package dev.clincher.gateway.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.store.EventLog;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link EventSink} of one run: each event is appended to the session's transcript and offered to the run's
 * subscribers only when the commit holding it has made it durable (durable before streamed); commits complete in
 * append order, so subscribers see the run's events in order. Events emitted back to back share one commit, and the
 * run goes on while a commit runs; when a commit fails, its events are never streamed and the run's next emit or
 * {@link #awaitDurable()} throws.
 */
public final class RunEvents implements EventSink {
  private final EventLog eventLog;
  private final String sessionId;
  private final String runId;
  private final List<EventSubscription> subscribers = new CopyOnWriteArrayList<>();
  private volatile boolean doneEmitted;
  private CompletableFuture<Void> lastDurable = CompletableFuture.completedFuture(null);

  public RunEvents(EventLog eventLog, String sessionId, String runId) {
    this.eventLog = eventLog;
    this.sessionId = sessionId;
    this.runId = runId;
  }

  /** Adds a subscriber; it sees every event made durable from now on. */
  public void subscribe(EventSubscription subscription) {
    subscribers.add(subscription);
  }

  @Override
  public long emit(String type, ObjectNode data) {
    long seq = append(type, data);
    eventLog.commitSoon();
    return seq;
  }

  @Override
  public long emitWithNext(String type, ObjectNode data) {
    return append(type, data);
  }

  @Override
  public void awaitDurable() {
    eventLog.commit();
    EventLog.awaitDurable(lastDurable);
  }

  private long append(String type, ObjectNode data) {
    throwIfLost();
    if (type.equals(EventTypes.DONE)) {
      doneEmitted = true; // before any client can see it: a next message then waits for the run's finish
    }
    EventLog.Uncommitted appended = eventLog.appendUncommitted(sessionId, runId, type, data.toString());
    StreamedEvent event = new StreamedEvent(appended.seq(), sessionId, runId, type, data);
    lastDurable = appended.durable();
    appended.durable().thenRun(() -> subscribers.forEach(subscriber -> subscriber.offer(event)));
    return appended.seq();
  }

  /** An earlier event's commit failed: the run must not go on as if it were recorded. */
  private void throwIfLost() {
    if (lastDurable.isCompletedExceptionally()) {
      EventLog.awaitDurable(lastDurable); // throws its failure
    }
  }

  /** Whether the run has emitted {@code done}; it then only records its end. */
  public boolean doneEmitted() {
    return doneEmitted;
  }
}
