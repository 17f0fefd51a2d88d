package dev.clincher.gateway.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.Secret;
import dev.clincher.gateway.store.RunRecord;
import dev.clincher.gateway.store.SessionRecord;
import dev.clincher.gateway.store.StoreLimits;
import dev.clincher.gateway.store.StoreSettings;
import dev.clincher.gateway.store.Stores;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Child JVM of {@link StreamCrashTest}: opens the store named by the {@code CLINCHER_CRASH_*} environment (the
 * password never goes through argv), starts a run and emits agent steps forever the way the agent loop does (a
 * delta, then the assistant message and the tool call committed together before the "tool" runs, then the result
 * committed while the next step goes on). A subscriber prints {@code seen SEQ TYPE STEP} for every event streamed to
 * it. Every {@link #PAUSE_EVERY} steps it pauses with events emitted but not yet committed and prints
 * {@code paused STEP}. The test kills it with SIGKILL, during a pause or not.
 */
public final class StreamCrashChild {
  static final int PAUSE_EVERY = 100;

  private StreamCrashChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String password = System.getenv("CLINCHER_CRASH_PASSWORD");
    String schema = System.getenv("CLINCHER_CRASH_SCHEMA");
    StoreSettings settings = new StoreSettings(System.getenv("CLINCHER_CRASH_URL"),
        System.getenv("CLINCHER_CRASH_USER"), password == null ? null : Secret.of(password),
        schema == null || schema.isEmpty() ? null : schema, 4, StoreLimits.DEFAULTS);
    Stores stores = Stores.open(settings);
    SessionRecord session = stores.sessions().createSession("crash", "kill -9 stream test");
    RunRecord run = stores.runs().startRun(session.id());
    out.println("session " + session.id());
    out.println("run " + run.id());
    RunEvents events = new RunEvents(stores.events(), session.id(), run.id());
    EventSubscription subscription = new EventSubscription();
    events.subscribe(subscription);
    Thread.ofPlatform().daemon().start(() -> {
      try {
        while (true) {
          StreamedEvent seen = subscription.next(Duration.ofSeconds(10));
          if (seen != null) {
            out.println("seen " + seen.seq() + " " + seen.type() + " " + seen.data().path("step").asLong());
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    for (long step = 1; ; step++) {
      boolean pause = step % PAUSE_EVERY == 0;
      events.emit(EventTypes.ASSISTANT_DELTA, data(step));
      if (pause) { // nothing open, and no commit on its way that could pick up the events below
        events.awaitDurable();
        Thread.sleep(200);
      }
      events.emitWithNext(EventTypes.ASSISTANT_DELTA, data(step));
      events.emitWithNext(EventTypes.ASSISTANT_MESSAGE, data(step));
      events.emitWithNext(EventTypes.TOOL_CALL, data(step));
      if (pause) { // a slow moment with events emitted but not committed: the test kills here
        Thread.sleep(200); // lets the subscriber print what it was shown
        out.println("paused " + step);
        Thread.sleep(5_000);
      }
      events.awaitDurable();
      events.emit(EventTypes.TOOL_RESULT, data(step));
    }
  }

  private static ObjectNode data(long step) {
    return JsonNodeFactory.instance.objectNode().put("step", step).put("pad", "x".repeat(100));
  }
}
