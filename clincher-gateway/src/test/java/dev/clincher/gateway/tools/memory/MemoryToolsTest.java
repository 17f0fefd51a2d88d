package dev.clincher.gateway.tools.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.cache.embedding.Embedder;
import dev.clincher.cache.embedding.OnnxEmbedder;
import dev.clincher.gateway.store.StoreLimits;
import dev.clincher.gateway.store.StoreSettings;
import dev.clincher.gateway.store.Stores;
import dev.clincher.gateway.tools.Tool;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** memory_save and memory_search with the real in-process ONNX embedder and a real SQLite store. */
class MemoryToolsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Embedder embedder;

  @TempDir
  Path dir;

  private Stores stores;
  private MemorySaveTool save;
  private MemorySearchTool search;

  @BeforeAll
  static void loadModel() {
    embedder = new OnnxEmbedder();
  }

  @BeforeEach
  void open() {
    stores = Stores.open(StoreSettings.sqlite(dir.resolve("memory.db")));
    save = new MemorySaveTool(stores.notes(), embedder);
    search = new MemorySearchTool(stores.notes(), embedder);
  }

  @AfterEach
  void close() {
    stores.close();
  }

  @Test
  void findsTheNoteClosestInMeaning() throws Exception {
    saveAs("alice", "The user's favourite colour is dark green.");
    saveAs("alice", "The production database runs on PostgreSQL 15 in rack 12.");
    saveAs("alice", "The user prefers tea over coffee in the morning.");

    JsonNode hits = searchAs("alice", "which colour does the user like?", 3);
    assertThat(hits).hasSize(3);
    assertThat(hits.get(0).get("text").asText()).contains("colour");
    assertThat(hits.get(0).get("score").asDouble()).isGreaterThan(hits.get(1).get("score").asDouble());

    JsonNode drinks = searchAs("alice", "what does the user drink for breakfast", 1);
    assertThat(drinks).singleElement().satisfies(hit -> assertThat(hit.get("text").asText()).contains("tea"));
  }

  @Test
  void anAgentNeverSeesAnotherAgentsNotes() throws Exception {
    saveAs("bob", "Bob's secret launch code is 0000-1234.");
    saveAs("alice", "Alice likes hiking.");

    JsonNode hits = searchAs("alice", "Bob's secret launch code", 10);
    assertThat(hits).singleElement().satisfies(hit -> assertThat(hit.get("text").asText()).isEqualTo("Alice likes hiking."));
    assertThat(searchAs("mallory", "Bob's secret launch code", 10)).isEmpty();
    assertThat(searchAs("bob", "launch code", 10)).singleElement()
        .satisfies(hit -> assertThat(hit.get("text").asText()).contains("0000-1234"));
  }

  @Test
  void refusesBadArgumentsWithAnErrorTheModelCanRead() throws Exception {
    assertThat(call(save, "alice", "{}").error()).isTrue();
    assertThat(call(save, "alice", "{\"text\":\"   \"}").error()).isTrue();
    assertThat(call(save, "alice", "{\"text\":42}").error()).isTrue();
    ToolResult tooLong = call(save, "alice", JSON.writeValueAsString(
        JSON.createObjectNode().put("text", "x".repeat(MemorySaveTool.MAX_NOTE_CHARS + 1))));
    assertThat(tooLong.error()).isTrue();
    assertThat(tooLong.content()).contains("limit is 2000");
    assertThat(call(search, "alice", "{\"query\":\"x\",\"k\":11}").error()).isTrue();
    assertThat(call(search, "alice", "{\"query\":\"x\",\"k\":0}").error()).isTrue();
    assertThat(call(search, "alice", "{\"query\":\"x\",\"k\":2.5}").error()).isTrue();
    assertThat(stores.notes().noteCount("alice")).isZero();
  }

  @Test
  void refusesToSaveBeyondTheNotesPerAgentBound() throws Exception {
    try (Stores small = Stores.open(StoreSettings.sqlite(dir.resolve("small.db"))
        .withLimits(new StoreLimits(1 << 20, 1_000, 2, 4_000, 100)))) {
      MemorySaveTool bounded = new MemorySaveTool(small.notes(), embedder);
      assertThat(call(bounded, "alice", "{\"text\":\"one\"}").error()).isFalse();
      assertThat(call(bounded, "alice", "{\"text\":\"two\"}").error()).isFalse();
      ToolResult third = call(bounded, "alice", "{\"text\":\"three\"}");
      assertThat(third.error()).isTrue();
      assertThat(third.content()).contains("maximum of 2 notes");
      assertThat(call(bounded, "bob", "{\"text\":\"his first\"}").error()).isFalse();
    }
  }

  private void saveAs(String agent, String text) throws Exception {
    ToolResult result = call(save, agent, JSON.writeValueAsString(JSON.createObjectNode().put("text", text)));
    assertThat(result.error()).as(result.content()).isFalse();
    assertThat(result.content()).startsWith("saved note ");
  }

  private JsonNode searchAs(String agent, String query, int k) throws Exception {
    ToolResult result = call(search, agent,
        JSON.writeValueAsString(JSON.createObjectNode().put("query", query).put("k", k)));
    assertThat(result.error()).as(result.content()).isFalse();
    return JSON.readTree(result.content());
  }

  private static ToolResult call(Tool tool, String agent, String arguments) throws Exception {
    ToolContext context = new ToolContext(agent, "s-none", "r-none", () -> {
      throw new IllegalStateException("memory tools never open a sandbox");
    }, (type, data) -> 0L);
    return tool.call(context, JSON.readTree(arguments));
  }
}
