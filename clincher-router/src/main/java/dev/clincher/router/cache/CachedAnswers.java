package dev.clincher.router.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What is cached and how it is replayed. Only plain answers are cached: one choice, {@code finish_reason: stop},
 * text content, no tool calls (a replayed tool call would repeat an action with a stale call id), never an error.
 * A stream is cached as the completion its chunks add up to, and a cached completion is replayed to a streaming
 * client as chunks: role and content, then the finish reason, then usage if asked for, then {@code [DONE]}.
 */
public final class CachedAnswers {
  private final ObjectMapper json;

  public CachedAnswers(ObjectMapper json) {
    this.json = json;
  }

  /** Whether {@code completion} (a {@code chat.completion}) may be cached. */
  public static boolean cacheable(JsonNode completion) {
    JsonNode choices = completion.path("choices");
    if (!"chat.completion".equals(completion.path("object").asText()) || choices.size() != 1) {
      return false;
    }
    JsonNode choice = choices.get(0);
    JsonNode message = choice.path("message");
    return "stop".equals(choice.path("finish_reason").asText()) && message.path("content").isTextual()
        && (message.path("tool_calls").isMissingNode() || message.path("tool_calls").isNull()
        || message.path("tool_calls").isEmpty())
        && message.path("function_call").isMissingNode();
  }

  /** The chunks (JSON texts, without {@code data: } and {@code [DONE]}) replaying {@code completion}. */
  public List<String> chunks(ObjectNode completion, boolean includeUsage) {
    JsonNode message = completion.path("choices").path(0).path("message");
    List<String> chunks = new ArrayList<>();
    ObjectNode content = chunk(completion);
    ObjectNode delta = content.withArray("choices").addObject().put("index", 0);
    delta.putObject("delta").put("role", "assistant").put("content", message.path("content").asText());
    delta.putNull("finish_reason");
    chunks.add(content.toString());
    ObjectNode finish = chunk(completion);
    ObjectNode last = finish.withArray("choices").addObject().put("index", 0);
    last.putObject("delta");
    last.put("finish_reason", "stop");
    chunks.add(finish.toString());
    if (includeUsage && completion.path("usage").isObject()) {
      ObjectNode usage = chunk(completion);
      usage.putArray("choices");
      usage.set("usage", completion.get("usage").deepCopy());
      chunks.add(usage.toString());
    }
    return chunks;
  }

  private ObjectNode chunk(ObjectNode completion) {
    ObjectNode chunk = json.createObjectNode();
    chunk.put("id", completion.path("id").asText()).put("object", "chat.completion.chunk")
        .put("created", completion.path("created").asLong()).put("model", completion.path("model").asText());
    return chunk;
  }

  /** The completion a whole stream adds up to, if it is cacheable (see {@link #cacheable}). */
  public Optional<ObjectNode> assemble(List<String> chunks) {
    StringBuilder text = new StringBuilder();
    String finishReason = null;
    JsonNode first = null;
    JsonNode usage = null;
    try {
      for (String raw : chunks) {
        JsonNode chunk = json.readTree(raw);
        first = first == null ? chunk : first;
        usage = chunk.path("usage").isObject() ? chunk.get("usage") : usage;
        for (JsonNode choice : chunk.path("choices")) {
          JsonNode delta = choice.path("delta");
          if (choice.path("index").asInt(0) != 0 || delta.has("tool_calls") || delta.has("function_call")) {
            return Optional.empty();
          }
          text.append(delta.path("content").asText(""));
          finishReason = choice.path("finish_reason").isTextual() ? choice.get("finish_reason").asText() : finishReason;
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    if (first == null || !"stop".equals(finishReason)) {
      return Optional.empty();
    }
    ObjectNode completion = json.createObjectNode();
    completion.put("id", first.path("id").asText()).put("object", "chat.completion")
        .put("created", first.path("created").asLong()).put("model", first.path("model").asText());
    ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", text.toString());
    choice.put("finish_reason", "stop");
    if (usage != null) {
      completion.set("usage", usage.deepCopy());
    }
    return Optional.of(completion);
  }
}
