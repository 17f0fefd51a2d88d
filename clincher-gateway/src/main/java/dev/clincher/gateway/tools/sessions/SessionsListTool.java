package dev.clincher.gateway.tools.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.clincher.gateway.store.SessionRecord;
import dev.clincher.gateway.store.SessionStore;
import dev.clincher.gateway.store.StoreException;
import dev.clincher.gateway.tools.DescribedTool;
import dev.clincher.gateway.tools.ToolArguments;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;

/**
 * {@code sessions_list}: the calling agent's own sessions, newest first (read-only). Answers a JSON array of
 * {@code {id, title, created_at, events, current}}, at most {@value #MAX_LIMIT} entries with titles of at most 200
 * characters.
 */
public final class SessionsListTool extends DescribedTool {
  /** Most sessions one call lists. */
  public static final int MAX_LIMIT = 50;

  private static final int MAX_TITLE_CHARS = 200;
  private static final String PARAMETERS = """
      {"type":"object","additionalProperties":false,
       "properties":{"limit":{"type":"integer","minimum":1,"maximum":50,"default":20,
         "description":"How many of your most recent sessions to list."}}}
      """;

  private final SessionStore sessions;

  public SessionsListTool(SessionStore sessions) {
    super("sessions_list",
        "List your recent conversations (sessions), newest first, with their ids for sessions_history.",
        "group:sessions", schema(PARAMETERS));
    this.sessions = sessions;
  }

  /** Reads the store only. */
  @Override
  public boolean readOnly() {
    return true;
  }

  @Override
  public ToolResult call(ToolContext context, JsonNode arguments) {
    int limit;
    try {
      limit = (int) ToolArguments.integer(arguments, "limit", 20, 1, MAX_LIMIT);
    } catch (ToolArguments.BadArgumentException e) {
      return ToolResult.error(e.getMessage());
    }
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    try {
      for (SessionRecord session : sessions.sessions(context.agent(), limit)) {
        list.addObject()
            .put("id", session.id())
            .put("title", ToolResult.capped(session.title(), MAX_TITLE_CHARS))
            .put("created_at", session.createdAt().toString())
            .put("events", session.lastSeq())
            .put("current", session.id().equals(context.sessionId()));
      }
    } catch (StoreException e) {
      return ToolResult.error("the session store is unavailable");
    }
    return ToolResult.json(list);
  }
}
