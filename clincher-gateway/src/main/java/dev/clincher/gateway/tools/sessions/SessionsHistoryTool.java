package dev.clincher.gateway.tools.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.store.EventLog;
import dev.clincher.gateway.store.EventRecord;
import dev.clincher.gateway.store.SessionRecord;
import dev.clincher.gateway.store.SessionStore;
import dev.clincher.gateway.store.StoreException;
import dev.clincher.gateway.tools.DescribedTool;
import dev.clincher.gateway.tools.ToolArguments;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import java.util.List;
import java.util.Optional;

/**
 * {@code sessions_history}: a page of the transcript of one of the calling agent's own sessions (read-only). Another
 * agent's session answers exactly like a missing one. Answers
 * {@code {session_id, events:[{seq, type, run_id, at, payload}], next_after_seq}}: at most {@value #MAX_LIMIT}
 * events, each payload cut to {@value #MAX_PAYLOAD_CHARS} characters, the whole page to about
 * {@value #MAX_OUTPUT_CHARS}; {@code next_after_seq} is set when more events follow.
 */
public final class SessionsHistoryTool extends DescribedTool {
  /** Most events one call returns. */
  public static final int MAX_LIMIT = 50;
  /** Longest payload shown per event. */
  public static final int MAX_PAYLOAD_CHARS = 2_000;
  /** Budget of one page's payload characters. */
  public static final int MAX_OUTPUT_CHARS = 32_000;

  private static final String PARAMETERS = """
      {"type":"object","additionalProperties":false,"required":["session_id"],
       "properties":{
         "session_id":{"type":"string","description":"A session id from sessions_list."},
         "after_seq":{"type":"integer","minimum":0,"default":0,
           "description":"Return events after this sequence number (0: from the start)."},
         "limit":{"type":"integer","minimum":1,"maximum":50,"default":20,"description":"How many events."}}}
      """;

  private final SessionStore sessions;
  private final EventLog eventLog;

  public SessionsHistoryTool(SessionStore sessions, EventLog eventLog) {
    super("sessions_history",
        "Read the transcript of one of your sessions (from sessions_list), a page of events at a time.",
        "group:sessions", schema(PARAMETERS));
    this.sessions = sessions;
    this.eventLog = eventLog;
  }

  /** Reads the store only. */
  @Override
  public boolean readOnly() {
    return true;
  }

  @Override
  public ToolResult call(ToolContext context, JsonNode arguments) {
    String sessionId;
    long afterSeq;
    int limit;
    try {
      sessionId = ToolArguments.text(arguments, "session_id", 64);
      afterSeq = ToolArguments.integer(arguments, "after_seq", 0, 0, Long.MAX_VALUE);
      limit = (int) ToolArguments.integer(arguments, "limit", 20, 1, MAX_LIMIT);
    } catch (ToolArguments.BadArgumentException e) {
      return ToolResult.error(e.getMessage());
    }
    try {
      Optional<SessionRecord> session = sessions.session(sessionId).filter(s -> s.agent().equals(context.agent()));
      if (session.isEmpty()) {
        return ToolResult.error("no session " + sessionId + " among your sessions");
      }
      return ToolResult.json(page(session.get(), eventLog.events(sessionId, afterSeq, limit)));
    } catch (StoreException e) {
      return ToolResult.error("the session store is unavailable");
    }
  }

  private static ObjectNode page(SessionRecord session, List<EventRecord> events) {
    ObjectNode page = JsonNodeFactory.instance.objectNode().put("session_id", session.id());
    ArrayNode list = page.putArray("events");
    int budget = MAX_OUTPUT_CHARS;
    long lastShown = -1;
    for (EventRecord event : events) {
      String payload = ToolResult.capped(event.payload(), MAX_PAYLOAD_CHARS);
      if (payload.length() > budget && lastShown >= 0) {
        break;
      }
      budget -= payload.length();
      list.addObject()
          .put("seq", event.seq())
          .put("type", event.type())
          .put("run_id", event.runId())
          .put("at", event.createdAt().toString())
          .put("payload", payload);
      lastShown = event.seq();
    }
    if (lastShown >= 0 && lastShown < session.lastSeq()) {
      page.put("next_after_seq", lastShown);
    } else {
      page.putNull("next_after_seq");
    }
    return page;
  }
}
