package dev.clincher.gateway.tools.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.gateway.store.SessionRecord;
import dev.clincher.gateway.store.StoreSettings;
import dev.clincher.gateway.store.Stores;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sessions_list and sessions_history on a real SQLite store: own sessions only, bounded output. */
class SessionsToolsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private Stores stores;
  private SessionsListTool list;
  private SessionsHistoryTool history;

  @BeforeEach
  void open() {
    stores = Stores.open(StoreSettings.sqlite(dir.resolve("sessions.db")));
    list = new SessionsListTool(stores.sessions());
    history = new SessionsHistoryTool(stores.sessions(), stores.events());
  }

  @AfterEach
  void close() {
    stores.close();
  }

  @Test
  void listsOnlyTheCallersSessionsNewestFirst() throws Exception {
    SessionRecord first = stores.sessions().createSession("alice", "first");
    SessionRecord second = stores.sessions().createSession("alice", "second");
    SessionRecord bobs = stores.sessions().createSession("bob", "bob's private chat");
    stores.events().append(first.id(), null, "user_message", "{}");

    JsonNode sessions = ok(list, "alice", second.id(), "{}");
    assertThat(sessions).hasSize(2);
    assertThat(sessions.get(0).get("id").asText()).isEqualTo(second.id());
    assertThat(sessions.get(0).get("current").asBoolean()).isTrue();
    assertThat(sessions.get(1).get("events").asLong()).isEqualTo(1);
    assertThat(sessions.toString()).doesNotContain(bobs.id()).doesNotContain("bob's");
    assertThat(ok(list, "alice", second.id(), "{\"limit\":1}")).hasSize(1);
    assertThat(call(list, "alice", second.id(), "{\"limit\":51}").error()).isTrue();
  }

  @Test
  void readsOwnTranscriptsPageByPage() throws Exception {
    SessionRecord session = stores.sessions().createSession("alice", "t");
    for (int i = 1; i <= 5; i++) {
      stores.events().append(session.id(), null, "user_message", "{\"text\":\"message " + i + "\"}");
    }
    JsonNode page = ok(history, "alice", session.id(), "{\"session_id\":\"" + session.id() + "\",\"limit\":2}");
    assertThat(page.get("events")).hasSize(2);
    assertThat(page.get("events").get(0).get("payload").asText()).isEqualTo("{\"text\":\"message 1\"}");
    assertThat(page.get("next_after_seq").asLong()).isEqualTo(2);

    JsonNode rest = ok(history, "alice", session.id(),
        "{\"session_id\":\"" + session.id() + "\",\"after_seq\":2,\"limit\":50}");
    assertThat(rest.get("events")).extracting(e -> e.get("seq").asLong()).containsExactly(3L, 4L, 5L);
    assertThat(rest.get("next_after_seq").isNull()).isTrue();
  }

  @Test
  void anotherAgentsSessionLooksExactlyLikeAMissingOne() throws Exception {
    SessionRecord bobs = stores.sessions().createSession("bob", "private");
    stores.events().append(bobs.id(), null, "user_message", "{\"text\":\"bob's secret\"}");
    String missing = "s" + "a".repeat(26);

    ToolResult foreign = call(history, "alice", "x", "{\"session_id\":\"" + bobs.id() + "\"}");
    ToolResult absent = call(history, "alice", "x", "{\"session_id\":\"" + missing + "\"}");
    assertThat(foreign.error()).isTrue();
    assertThat(foreign.content()).doesNotContain("secret");
    assertThat(foreign.content().replace(bobs.id(), "ID")).isEqualTo(absent.content().replace(missing, "ID"));
    assertThat(call(history, "alice", "x", "{}").error()).isTrue();
    assertThat(call(history, "alice", "x", "{\"session_id\":\"" + missing + "\",\"after_seq\":-1}").error()).isTrue();
  }

  @Test
  void boundsTheOutputOfHugeTranscripts() throws Exception {
    SessionRecord session = stores.sessions().createSession("alice", "big");
    String big = "{\"text\":\"" + "y".repeat(100_000) + "\"}";
    for (int i = 0; i < 30; i++) {
      stores.events().append(session.id(), null, "tool_result", big);
    }
    ToolResult result = call(history, "alice", session.id(), "{\"session_id\":\"" + session.id() + "\",\"limit\":50}");
    assertThat(result.error()).isFalse();
    assertThat(result.content().length()).isLessThan(SessionsHistoryTool.MAX_OUTPUT_CHARS + 4_000);
    JsonNode page = JSON.readTree(result.content());
    assertThat(page.get("events").size()).isBetween(1, 29);
    assertThat(page.get("events").get(0).get("payload").asText()).contains("[truncated");
    assertThat(page.get("next_after_seq").asLong()).isEqualTo(page.get("events").size());
  }

  private static JsonNode ok(Tool tool, String agent, String sessionId, String arguments) throws Exception {
    ToolResult result = call(tool, agent, sessionId, arguments);
    assertThat(result.error()).as(result.content()).isFalse();
    return JSON.readTree(result.content());
  }

  private static ToolResult call(Tool tool, String agent, String sessionId, String arguments) throws Exception {
    ToolContext context = new ToolContext(agent, sessionId, "r-none", () -> {
      throw new IllegalStateException("session tools never open a sandbox");
    }, (type, data) -> 0L);
    return tool.call(context, JSON.readTree(arguments));
  }
}
