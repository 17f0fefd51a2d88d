package dev.clincher.gateway.tools.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.clincher.cache.embedding.Embedder;
import dev.clincher.gateway.store.NoteStore;
import dev.clincher.gateway.store.ScoredNote;
import dev.clincher.gateway.store.StoreException;
import dev.clincher.gateway.tools.DescribedTool;
import dev.clincher.gateway.tools.ToolArguments;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import java.util.List;

/**
 * {@code memory_search}: the top-k notes of the calling agent by cosine similarity to a query; never another agent's
 * notes. Answers a JSON array of {@code {id, score, text, saved_at}}, best first, at most {@value #MAX_K} notes of at
 * most {@value MemorySaveTool#MAX_NOTE_CHARS} characters each.
 */
public final class MemorySearchTool extends DescribedTool {
  /** Most notes one search returns. */
  public static final int MAX_K = 10;

  private static final int MAX_QUERY_CHARS = 1_000;
  private static final String PARAMETERS = """
      {"type":"object","additionalProperties":false,"required":["query"],
       "properties":{
         "query":{"type":"string","maxLength":1000,"description":"What you are trying to remember."},
         "k":{"type":"integer","minimum":1,"maximum":10,"default":5,"description":"How many notes to return."}}}
      """;

  private final NoteStore notes;
  private final Embedder embedder;

  public MemorySearchTool(NoteStore notes, Embedder embedder) {
    super("memory_search",
        "Search your long-term memory (notes saved with memory_save) for the notes closest in meaning to a query.",
        "group:memory", schema(PARAMETERS));
    this.notes = notes;
    this.embedder = embedder;
  }

  /** Reads the store only. */
  @Override
  public boolean readOnly() {
    return true;
  }

  @Override
  public ToolResult call(ToolContext context, JsonNode arguments) {
    String query;
    int k;
    try {
      query = ToolArguments.text(arguments, "query", MAX_QUERY_CHARS);
      k = (int) ToolArguments.integer(arguments, "k", 5, 1, MAX_K);
    } catch (ToolArguments.BadArgumentException e) {
      return ToolResult.error(e.getMessage());
    }
    List<ScoredNote> found;
    try {
      found = notes.searchNotes(context.agent(), embedder.embed(query), k);
    } catch (StoreException e) {
      return ToolResult.error("the memory store is unavailable");
    }
    ArrayNode notes = JsonNodeFactory.instance.arrayNode();
    for (ScoredNote hit : found) {
      notes.addObject()
          .put("id", hit.note().id())
          .put("score", Math.round(hit.score() * 1000) / 1000.0)
          .put("text", ToolResult.capped(hit.note().text(), MemorySaveTool.MAX_NOTE_CHARS))
          .put("saved_at", hit.note().createdAt().toString());
    }
    return ToolResult.json(notes);
  }
}
