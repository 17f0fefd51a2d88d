package dev.clincher.gateway.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.agent.AgentRunner;
import dev.clincher.gateway.agent.ContextWindow;
import dev.clincher.gateway.agent.RunEnd;
import dev.clincher.gateway.agent.RunStop;
import dev.clincher.gateway.agent.TranscriptEvent;
import dev.clincher.gateway.events.EventSubscription;
import dev.clincher.gateway.events.EventTypes;
import dev.clincher.gateway.events.RunEvents;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SessionSandbox;
import dev.clincher.gateway.sandbox.SessionSandboxes;
import dev.clincher.gateway.store.EventLog;
import dev.clincher.gateway.store.EventRecord;
import dev.clincher.gateway.store.RunInProgressException;
import dev.clincher.gateway.store.RunLedger;
import dev.clincher.gateway.store.RunRecord;
import dev.clincher.gateway.store.RunStatus;
import dev.clincher.gateway.store.SessionRecord;
import dev.clincher.gateway.store.SessionStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions and their runs. A message starts a run on its own virtual thread; at most one run per session is active
 * (checked here and enforced by the run ledger), so runs never interleave. A run gets its own {@link RunEvents}
 * (the transcript first, then the subscribers) and its session's sandbox handle, so its tools never call back
 * here. A run is stopped by interrupting its thread: by
 * {@link #abort}, by its timeout, or at shutdown.
 */
public final class SessionService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.sessions");
  /** Transcript events read back to rebuild a model context; a longer history relies on summaries. */
  static final int MAX_CONTEXT_EVENTS = 100_000;
  /** How long a new message waits for a run that has emitted {@code done} to finish (its end is one write). */
  static final Duration CLOSING_WAIT = Duration.ofSeconds(5);

  private final SessionStore sessions;
  private final RunLedger runs;
  private final EventLog eventLog;
  private final Map<String, AgentRuntime> agents;
  private final AgentRunner runner;
  private final ObjectMapper json;
  private final SessionSandboxes sandboxes;
  private final Map<String, ActiveRun> active = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("clincher-run-timeouts").daemon().factory());

  public SessionService(SessionStore sessions, RunLedger runs, EventLog eventLog, Map<String, AgentRuntime> agents,
      AgentRunner runner, SessionSandboxes sandboxes, ObjectMapper json) {
    this.sessions = sessions;
    this.runs = runs;
    this.eventLog = eventLog;
    this.agents = Map.copyOf(agents);
    this.runner = runner;
    this.sandboxes = sandboxes;
    this.json = json;
  }

  public SessionRecord create(String agent, String title) throws UnknownSessionException {
    if (!agents.containsKey(agent)) {
      throw new UnknownSessionException("no agent named '" + agent + "'");
    }
    return sessions.createSession(agent, title == null ? "" : title);
  }

  /** The sandbox handle of a session, as its tools hold it (a channel puts a file the user sent into its workspace). */
  public SessionSandbox sandboxOf(String sessionId) throws UnknownSessionException {
    SessionRecord session = get(sessionId)
        .orElseThrow(() -> new UnknownSessionException("no session '" + sessionId + "'"));
    return sandboxes.forSession(session.agent(), session.id());
  }

  public Optional<SessionRecord> get(String sessionId) {
    return sessions.session(sessionId);
  }

  public List<SessionRecord> list(String agentOrNull, int limit) {
    return sessions.sessions(agentOrNull, limit);
  }

  public List<EventRecord> events(String sessionId, long afterSeq, int limit) {
    return eventLog.events(sessionId, afterSeq, limit);
  }

  /** The names of the configured agents, sorted. */
  public java.util.List<String> agents() {
    return agents.keySet().stream().sorted().toList();
  }

  /** Whether the session has a run going now. */
  public boolean busy(String sessionId) {
    return active.containsKey(sessionId);
  }

  /** Aborts the session's run if any, then deletes it with its transcript. */
  public boolean delete(String sessionId) throws InterruptedException {
    ActiveRun run = active.get(sessionId);
    if (run != null) {
      run.stop(RunEnd.ABORTED);
      run.thread.join(10_000);
    }
    Optional<SessionRecord> session = sessions.session(sessionId);
    if (session.isEmpty()) {
      return false;
    }
    try {
      sandboxes.sessionDeleted(session.get().agent(), sessionId);
    } catch (SandboxException e) {
      LOG.atWarn().addKeyValue("session", sessionId).addKeyValue("message", e.getMessage())
          .log("gateway.sandbox.release_failed");
    }
    return sessions.deleteSession(sessionId);
  }

  /** Stops the session's run; returns whether there was one. */
  public boolean abort(String sessionId) {
    ActiveRun run = active.get(sessionId);
    if (run == null) {
      return false;
    }
    run.stop(RunEnd.ABORTED);
    return true;
  }

  /**
   * Starts a run with the user's message. The subscription is registered before the run starts, so it sees every
   * event of the run, ending with {@code done}.
   */
  public EventSubscription send(String sessionId, String text)
      throws UnknownSessionException, SessionBusyException {
    SessionRecord session = sessions.session(sessionId)
        .orElseThrow(() -> new UnknownSessionException("no session " + sessionId));
    AgentRuntime agent = agents.get(session.agent());
    if (agent == null) {
      throw new UnknownSessionException("the session's agent '" + session.agent() + "' is no longer configured");
    }
    EventSubscription subscription = new EventSubscription();
    ActiveRun run = new ActiveRun(sessionId);
    ActiveRun previous = active.putIfAbsent(sessionId, run);
    if (previous != null && !(previous.awaitClosing() && active.putIfAbsent(sessionId, run) == null)) {
      throw new SessionBusyException(sessionId);
    }
    try {
      RunRecord record = startRunAfterClosing(sessionId);
      run.runId = record.id();
      run.events = new RunEvents(eventLog, sessionId, record.id());
    } catch (RunInProgressException e) {
      active.remove(sessionId, run);
      throw new SessionBusyException(sessionId);
    } catch (RuntimeException e) {
      active.remove(sessionId, run);
      throw e;
    }
    run.events.subscribe(subscription);
    run.thread = Thread.ofVirtual().name("run-" + run.runId).unstarted(() -> execute(run, agent, session, text));
    run.timeout = timeouts.schedule(() -> run.stop(RunEnd.TIMED_OUT),
        agent.definition().runTimeout().toMillis(), TimeUnit.MILLISECONDS);
    run.thread.start();
    if (run.runStop.requested()) {
      run.thread.interrupt(); // aborted before the thread existed
    }
    return subscription;
  }

  private void execute(ActiveRun run, AgentRuntime agent, SessionRecord session, String text) {
    RunEnd end = RunEnd.ERROR;
    try {
      ContextWindow context = ContextWindow.fromTranscript(json, agent.definition().systemPrompt(),
          transcript(session.id()));
      ObjectNode user = json.createObjectNode();
      user.put("content", text);
      long seq = run.events.emit(EventTypes.USER_MESSAGE, user);
      context.addUser(seq, text);
      AgentRunner.RunRequest request = new AgentRunner.RunRequest(agent.definition(), agent.tools(), session.id(),
          run.runId, context, sandboxes.forSession(session.agent(), session.id()), run.runStop);
      end = runner.run(request, run.events);
    } catch (RuntimeException e) {
      LOG.atError().addKeyValue("session", session.id()).addKeyValue("run", run.runId)
          .addKeyValue("exception", e.getClass().getName()).log("gateway.run.crashed");
      emitClosingError(run, e);
    } finally {
      run.timeout.cancel(false);
      Thread.interrupted();
      finish(run, end);
    }
  }

  /**
   * Starts the session's run. A run that has emitted {@code done} but not yet ended in the database (on another
   * gateway instance, whose client sent the next message here at once) is waited for, at most {@link #CLOSING_WAIT}.
   */
  private RunRecord startRunAfterClosing(String sessionId) {
    long deadline = System.nanoTime() + CLOSING_WAIT.toNanos();
    while (true) {
      try {
        return runs.startRun(sessionId);
      } catch (RunInProgressException e) {
        if (System.nanoTime() > deadline || !runs.runningRunHasEvent(sessionId, EventTypes.DONE)) {
          throw e;
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private void emitClosingError(ActiveRun run, RuntimeException e) {
    try {
      ObjectNode done = json.createObjectNode();
      done.put("reason", RunEnd.ERROR.wireName());
      done.put("message", "internal error (" + e.getClass().getSimpleName() + ")");
      run.events.emit(EventTypes.DONE, done);
    } catch (RuntimeException again) {
      LOG.atError().addKeyValue("run", run.runId).log("gateway.run.closing_event_lost");
    }
  }

  private void finish(ActiveRun run, RunEnd end) {
    try {
      runs.finishRun(run.runId, statusOf(end), end.wireName());
    } finally {
      active.remove(run.sessionId, run);
      run.finished.countDown();
    }
  }

  static RunStatus statusOf(RunEnd end) {
    return switch (end) {
      case COMPLETED -> RunStatus.COMPLETED;
      case STEP_LIMIT -> RunStatus.STEP_LIMIT;
      case TIMED_OUT -> RunStatus.TIMED_OUT;
      case ABORTED -> RunStatus.ABORTED;
      case BUDGET -> RunStatus.REFUSED;
      case ERROR -> RunStatus.FAILED;
    };
  }

  private List<TranscriptEvent> transcript(String sessionId) {
    List<TranscriptEvent> events = new ArrayList<>();
    long after = 0;
    while (events.size() < MAX_CONTEXT_EVENTS) {
      List<EventRecord> page = eventLog.events(sessionId, after, 1000);
      if (page.isEmpty()) {
        break;
      }
      for (EventRecord record : page) {
        events.add(new TranscriptEvent(record.seq(), record.type(), parse(record.payload())));
        after = record.seq();
      }
    }
    return events;
  }

  private JsonNode parse(String payload) {
    try {
      return json.readTree(payload);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops every run and waits briefly for their closing events. */
  @Override
  public void close() {
    for (ActiveRun run : active.values()) {
      run.stop(RunEnd.ABORTED);
    }
    for (ActiveRun run : active.values()) {
      try {
        run.thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    timeouts.shutdownNow();
    runner.close();
  }

  /** A run in progress. */
  private static final class ActiveRun {
    final String sessionId;
    final RunStop runStop = new RunStop();
    volatile String runId;
    /** The run's event sink, made once the run is recorded; {@code done} through it marks the run closing. */
    volatile RunEvents events;
    volatile Thread thread;
    volatile ScheduledFuture<?> timeout;
    final CountDownLatch finished = new CountDownLatch(1);

    ActiveRun(String sessionId) {
      this.sessionId = sessionId;
    }

    /**
     * Whether this run is gone, waiting (bounded) for one that has emitted {@code done}: a client that sends its
     * next message as soon as it reads {@code done} must not get "busy" from the run's last database write.
     */
    boolean awaitClosing() {
      if (events == null || !events.doneEmitted()) {
        return false;
      }
      try {
        return finished.await(CLOSING_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    void stop(RunEnd reason) {
      if (runStop.request(reason) && thread != null) {
        thread.interrupt();
      }
    }
  }
}
