package dev.clincher.gateway.tools.memory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.cache.embedding.Embedder;
import dev.clincher.gateway.store.LimitExceededException;
import dev.clincher.gateway.store.NoteStore;
import dev.clincher.gateway.store.StoreException;
import dev.clincher.gateway.tools.DescribedTool;
import dev.clincher.gateway.tools.ToolArguments;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;

/**
 * {@code memory_save}: the calling agent keeps a short note for later runs. The text is embedded in-process and
 * stored with its vector under that agent only; notes are capped at {@value #MAX_NOTE_CHARS} characters and the store
 * caps how many one agent holds.
 */
public final class MemorySaveTool extends DescribedTool {
  /** Longest note the model may save. */
  public static final int MAX_NOTE_CHARS = 2_000;

  private static final String PARAMETERS = """
      {"type":"object","additionalProperties":false,"required":["text"],
       "properties":{"text":{"type":"string","maxLength":2000,
         "description":"The fact to remember, self-contained (it is read later without this conversation)."}}}
      """;

  private final NoteStore notes;
  private final Embedder embedder;

  public MemorySaveTool(NoteStore notes, Embedder embedder) {
    super("memory_save",
        "Save a short note to your long-term memory so that later conversations can find it with memory_search.",
        "group:memory", schema(PARAMETERS));
    this.notes = notes;
    this.embedder = embedder;
  }

  @Override
  public ToolResult call(ToolContext context, JsonNode arguments) {
    String text;
    try {
      text = ToolArguments.text(arguments, "text", MAX_NOTE_CHARS);
    } catch (ToolArguments.BadArgumentException e) {
      return ToolResult.error(e.getMessage());
    }
    try {
      long id = notes.saveNote(context.agent(), text, embedder.embed(text));
      return ToolResult.ok("saved note " + id);
    } catch (LimitExceededException e) {
      return ToolResult.error("not saved: " + e.getMessage());
    } catch (StoreException e) {
      return ToolResult.error("not saved: the memory store is unavailable");
    }
  }
}
