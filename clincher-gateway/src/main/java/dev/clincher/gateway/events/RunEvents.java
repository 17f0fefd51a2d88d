package dev.clincher.gateway.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.store.EventLog;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link EventSink} of one run: each event is appended to the session's transcript first and only then offered
 * to the run's subscribers, so nothing a client saw can be missing after a crash (durable before streamed).
 */
public final class RunEvents implements EventSink {
  private final EventLog eventLog;
  private final String sessionId;
  private final String runId;
  private final List<EventSubscription> subscribers = new CopyOnWriteArrayList<>();
  private volatile boolean doneEmitted;

  public RunEvents(EventLog eventLog, String sessionId, String runId) {
    this.eventLog = eventLog;
    this.sessionId = sessionId;
    this.runId = runId;
  }

  /** Adds a subscriber; it sees every event emitted from now on. */
  public void subscribe(EventSubscription subscription) {
    subscribers.add(subscription);
  }

  @Override
  public long emit(String type, ObjectNode data) {
    if (type.equals(EventTypes.DONE)) {
      doneEmitted = true; // before any client can see it: a next message then waits for the run's finish
    }
    long seq = eventLog.append(sessionId, runId, type, data.toString());
    StreamedEvent event = new StreamedEvent(seq, sessionId, runId, type, data);
    for (EventSubscription subscriber : subscribers) {
      subscriber.offer(event);
    }
    return seq;
  }

  /** Whether the run has emitted {@code done}; it then only records its end. */
  public boolean doneEmitted() {
    return doneEmitted;
  }
}
