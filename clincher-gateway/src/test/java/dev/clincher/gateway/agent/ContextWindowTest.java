package dev.clincher.gateway.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContextWindowTest {
  static final ObjectMapper JSON = new ObjectMapper();

  final List<TranscriptEvent> events = new ArrayList<>();

  void add(String type, ObjectNode data) {
    events.add(new TranscriptEvent(events.size() + 1, type, data));
  }

  ObjectNode user(String text) {
    return JSON.createObjectNode().put("content", text);
  }

  ObjectNode assistant(String text, String... callIds) {
    ObjectNode data = JSON.createObjectNode().put("content", text);
    ArrayNode calls = data.putArray("tool_calls");
    for (String id : callIds) {
      calls.addObject().put("id", id).put("name", "exec").put("arguments", "{}");
    }
    return data;
  }

  ObjectNode result(String id, String content) {
    return JSON.createObjectNode().put("id", id).put("content", content);
  }

  @Test
  void rebuildsTheConversationInOrder() {
    add("user_message", user("hi"));
    add("assistant_delta", JSON.createObjectNode().put("text", "ignored"));
    add("assistant_message", assistant("", "c1"));
    add("tool_call", JSON.createObjectNode());
    add("tool_result", result("c1", "output"));
    add("assistant_message", assistant("done"));
    add("done", JSON.createObjectNode().put("reason", "completed"));
    ArrayNode messages = ContextWindow.fromTranscript(JSON, "sys", events).messages();
    assertThat(roles(messages)).containsExactly("system", "user", "assistant", "tool", "assistant");
    assertThat(messages.get(2).path("content").isNull()).isTrue();
    assertThat(messages.get(2).path("tool_calls").get(0).path("function").path("name").asText()).isEqualTo("exec");
    assertThat(messages.get(3).path("tool_call_id").asText()).isEqualTo("c1");
  }

  @Test
  void aToolCallCutOffByACrashGetsASyntheticResult() {
    add("user_message", user("run two things"));
    add("assistant_message", assistant("", "c1", "c2"));
    add("tool_result", result("c1", "first"));
    add("run_interrupted", JSON.createObjectNode());
    add("user_message", user("are you there?"));
    ArrayNode messages = ContextWindow.fromTranscript(JSON, "sys", events).messages();
    assertThat(roles(messages)).containsExactly("system", "user", "assistant", "tool", "tool", "user");
    assertThat(messages.get(4).path("tool_call_id").asText()).isEqualTo("c2");
    assertThat(messages.get(4).path("content").asText()).isEqualTo(ContextWindow.INTERRUPTED_NOTICE);
  }

  @Test
  void aDanglingCallAtTheEndIsClosedToo() {
    add("user_message", user("x"));
    add("assistant_message", assistant("", "c9"));
    assertThat(roles(ContextWindow.fromTranscript(JSON, "sys", events).messages()))
        .containsExactly("system", "user", "assistant", "tool");
  }

  @Test
  void aSummaryReplacesWhatItCovers() {
    add("user_message", user("old question"));
    add("assistant_message", assistant("old answer"));
    add("summary", JSON.createObjectNode().put("content", "they asked an old question").put("covers_until_seq", 2));
    add("user_message", user("new question"));
    ArrayNode messages = ContextWindow.fromTranscript(JSON, "sys", events).messages();
    assertThat(roles(messages)).containsExactly("system", "user");
    assertThat(messages.get(0).path("content").asText()).contains("they asked an old question");
    assertThat(messages.get(1).path("content").asText()).isEqualTo("new question");
  }

  @Test
  void pruningRemovesOldToolResultsFirstAndKeepsRecentOnes() {
    ContextWindow window = new ContextWindow(JSON, "sys");
    long seq = 0;
    for (int turn = 0; turn < 5; turn++) {
      window.addUser(++seq, "q" + turn);
      window.addAssistant(++seq, assistant("", "c" + turn));
      window.addToolResult(++seq, "c" + turn, "y".repeat(4000));
    }
    int before = window.estimatedTokens();
    int pruned = window.pruneToolResults(before - 1500);
    assertThat(pruned).isEqualTo(2);
    assertThat(window.estimatedTokens()).isLessThanOrEqualTo(before - 1500);
    ArrayNode messages = window.messages();
    assertThat(messages.get(3).path("content").asText()).isEqualTo(ContextWindow.PRUNED_NOTICE);
    assertThat(messages.get(messages.size() - 1).path("content").asText()).hasSize(4000);
  }

  @Test
  void olderTurnsEndAtAUserMessageSoCallsStayWithTheirResults() {
    ContextWindow window = new ContextWindow(JSON, "sys");
    long seq = 0;
    for (int turn = 0; turn < 4; turn++) {
      window.addUser(++seq, "q" + turn);
      window.addAssistant(++seq, assistant("", "c" + turn));
      window.addToolResult(++seq, "c" + turn, "r");
    }
    List<ObjectNode> older = window.olderTurns();
    assertThat(older).isNotEmpty();
    assertThat(older.getLast().path("role").asText()).isEqualTo("tool");
    long end = window.olderTurnsEndSeq();
    window.applySummary("summary text");
    JsonNode first = window.messages().get(1);
    assertThat(first.path("role").asText()).isEqualTo("user");
    assertThat(end).isEqualTo(older.size());
  }

  @Test
  void toolOutputCapKeepsHeadAndTail() {
    String text = "HEAD" + "m".repeat(10_000) + "TAIL";
    String capped = ToolOutput.capped(text, 500);
    assertThat(capped).startsWith("HEAD").endsWith("TAIL").contains("[truncated: 9508 characters omitted]");
    assertThat(capped.length()).isLessThanOrEqualTo(500);
    assertThat(ToolOutput.capped("short", 500)).isEqualTo("short");
  }

  @Test
  void printableNamesShowInvisibleCharacters() {
    assertThat(ToolOutput.printable("docker\u200b")).isEqualTo("docker\\u200b");
    assertThat(ToolOutput.printable("a\u202eb\nc")).isEqualTo("a\\u202eb\\u000ac");
    assertThat(ToolOutput.printable("x".repeat(100))).hasSize(65);
  }

  static List<String> roles(ArrayNode messages) {
    List<String> roles = new ArrayList<>();
    messages.forEach(m -> roles.add(m.path("role").asText()));
    return roles;
  }
}
