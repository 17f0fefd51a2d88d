package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.metering.Usage;
import java.io.IOException;

/**
 * Translates Anthropic Messages API answers into OpenAI's shapes: a message into a {@code chat.completion}, and
 * stream events into {@code chat.completion.chunk}s ({@link StreamState}).
 *
 * <p>Stop reasons: {@code end_turn}, {@code stop_sequence}, {@code pause_turn} → {@code stop}; {@code max_tokens},
 * {@code model_context_window_exceeded} → {@code length}; {@code tool_use} → {@code tool_calls}; {@code refusal} →
 * {@code content_filter}. Usage: {@code prompt_tokens} counts input plus cache-creation and cache-read tokens (as
 * LiteLLM reports them); {@code prompt_tokens_details.cached_tokens} is the cache reads, and the two Anthropic
 * cache counts are kept under their own names.
 *
 * <p>Extended thinking, in LiteLLM's shapes: a message's {@code thinking} and {@code redacted_thinking} blocks become
 * {@code message.thinking_blocks} (as Anthropic sent them, signature included, so the client can send them back) and
 * {@code message.reasoning_content} (the thinking text joined). In a stream, a {@code thinking_delta} becomes
 * {@code delta.reasoning_content} plus {@code delta.thinking_blocks: [{type: thinking, thinking}]}, a
 * {@code signature_delta} {@code delta.thinking_blocks: [{type: thinking, thinking: "", signature}]} (it closes the
 * block), and a {@code redacted_thinking} block {@code delta.thinking_blocks: [{type: redacted_thinking, data}]}.
 */
final class AnthropicResponses {
  private final ObjectMapper json;

  AnthropicResponses(ObjectMapper json) {
    this.json = json;
  }

  static String finishReason(String stopReason) {
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop";
    };
  }

  /** A complete Anthropic message as an OpenAI chat completion. */
  ObjectNode completion(JsonNode message) {
    ObjectNode out = json.createObjectNode();
    out.put("id", message.path("id").asText()).put("object", "chat.completion")
        .put("created", System.currentTimeMillis() / 1000).put("model", message.path("model").asText());
    ObjectNode choice = out.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode reply = choice.putObject("message");
    reply.put("role", "assistant");
    StringBuilder text = new StringBuilder();
    ArrayNode toolCalls = json.createArrayNode();
    StringBuilder reasoning = new StringBuilder();
    ArrayNode thinkingBlocks = json.createArrayNode();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText());
        case "thinking" -> {
          reasoning.append(block.path("thinking").asText());
          thinkingBlocks.add(block);
        }
        case "redacted_thinking" -> thinkingBlocks.add(block);
        case "tool_use" -> {
          ObjectNode call = toolCalls.addObject();
          call.put("id", block.path("id").asText()).put("type", "function");
          call.putObject("function").put("name", block.path("name").asText())
              .put("arguments", write(block.path("input")));
        }
        default -> { } // server tool results and other blocks have no OpenAI counterpart here
      }
    }
    if (text.isEmpty()) {
      reply.putNull("content");
    } else {
      reply.put("content", text.toString());
    }
    if (!thinkingBlocks.isEmpty()) {
      reply.put("reasoning_content", reasoning.toString());
      reply.set("thinking_blocks", thinkingBlocks);
    }
    if (!toolCalls.isEmpty()) {
      reply.set("tool_calls", toolCalls);
    }
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason(message.path("stop_reason").asText("end_turn")));
    out.set("usage", openAiUsage(message.path("usage"), message.path("usage").path("output_tokens").asLong(0)));
    return out;
  }

  /** OpenAI usage from Anthropic's {@code usage} (input side) and the output token count. */
  ObjectNode openAiUsage(JsonNode usage, long outputTokens) {
    long input = usage.path("input_tokens").asLong(0);
    long cacheCreation = usage.path("cache_creation_input_tokens").asLong(0);
    long cacheRead = usage.path("cache_read_input_tokens").asLong(0);
    long prompt = input + cacheCreation + cacheRead;
    ObjectNode out = json.createObjectNode();
    out.put("prompt_tokens", prompt).put("completion_tokens", outputTokens).put("total_tokens", prompt + outputTokens);
    out.putObject("prompt_tokens_details").put("cached_tokens", cacheRead);
    out.put("cache_creation_input_tokens", cacheCreation).put("cache_read_input_tokens", cacheRead);
    return out;
  }

  private String write(JsonNode node) {
    try {
      return json.writeValueAsString(node.isMissingNode() ? json.createObjectNode() : node);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  /**
   * The translation of one stream: feed it each Anthropic event; it returns the OpenAI chunks that event makes
   * (zero, one or two). Tool-use blocks become tool calls numbered from 0 in the order they start, whatever their
   * content-block index (thinking and text blocks come before them and take block indexes, not tool indexes); their
   * {@code input_json_delta}s become argument deltas of that call, passed on exactly as received.
   */
  final class StreamState {
    private final boolean includeUsage;
    private String id = "";
    private String model = "";
    private final long created = System.currentTimeMillis() / 1000;
    private JsonNode inputUsage = json.createObjectNode();
    private long outputTokens;
    private final java.util.Map<Integer, Integer> toolIndexByBlock = new java.util.HashMap<>();
    private boolean stopped;

    StreamState(boolean includeUsage) {
      this.includeUsage = includeUsage;
    }

    /** Whether {@code message_stop} arrived. */
    boolean stopped() {
      return stopped;
    }

    /** Usage so far, in OpenAI terms. */
    Usage usage() {
      return Usage.of(json.createObjectNode().set("usage", openAiUsage(inputUsage, outputTokens)));
    }

    /**
     * The chunks for one event.
     *
     * @throws IOException for an {@code error} event or an event out of protocol
     */
    java.util.List<String> on(String eventName, JsonNode event) throws IOException {
      String type = event.path("type").asText(eventName);
      return switch (type) {
        case "message_start" -> messageStart(event.path("message"));
        case "content_block_start" -> blockStart(event.path("index").asInt(), event.path("content_block"));
        case "content_block_delta" -> blockDelta(event.path("index").asInt(), event.path("delta"));
        case "message_delta" -> messageDelta(event);
        case "message_stop" -> messageStop();
        case "error" -> throw new IOException("the provider sent an error event: "
            + event.path("error").path("type").asText("unknown"));
        default -> java.util.List.of(); // ping, content_block_stop, and event types added later
      };
    }

    private java.util.List<String> messageStart(JsonNode message) {
      id = message.path("id").asText();
      model = message.path("model").asText();
      inputUsage = message.path("usage");
      outputTokens = message.path("usage").path("output_tokens").asLong(0);
      ObjectNode delta = json.createObjectNode().put("role", "assistant").put("content", "");
      return java.util.List.of(chunk(delta, null));
    }

    private java.util.List<String> blockStart(int blockIndex, JsonNode block) {
      if ("tool_use".equals(block.path("type").asText())) {
        int toolIndex = toolIndexByBlock.size();
        toolIndexByBlock.put(blockIndex, toolIndex);
        ObjectNode call = json.createObjectNode().put("index", toolIndex).put("id", block.path("id").asText())
            .put("type", "function");
        call.putObject("function").put("name", block.path("name").asText()).put("arguments", "");
        ObjectNode delta = json.createObjectNode();
        delta.putArray("tool_calls").add(call);
        return java.util.List.of(chunk(delta, null));
      }
      if ("text".equals(block.path("type").asText()) && !block.path("text").asText("").isEmpty()) {
        return java.util.List.of(chunk(json.createObjectNode().put("content", block.path("text").asText()), null));
      }
      if ("thinking".equals(block.path("type").asText()) && !block.path("thinking").asText("").isEmpty()) {
        return java.util.List.of(thinking(block.path("thinking").asText()));
      }
      if ("redacted_thinking".equals(block.path("type").asText())) {
        ObjectNode delta = json.createObjectNode();
        delta.putArray("thinking_blocks").addObject().put("type", "redacted_thinking")
            .put("data", block.path("data").asText());
        return java.util.List.of(chunk(delta, null));
      }
      return java.util.List.of();
    }

    /** A piece of thinking text: {@code reasoning_content} and the partial block, as LiteLLM streams it. */
    private String thinking(String text) {
      ObjectNode delta = json.createObjectNode().put("reasoning_content", text);
      delta.putArray("thinking_blocks").addObject().put("type", "thinking").put("thinking", text);
      return chunk(delta, null);
    }

    private java.util.List<String> blockDelta(int blockIndex, JsonNode delta) throws IOException {
      switch (delta.path("type").asText()) {
        case "text_delta" -> {
          return java.util.List.of(chunk(json.createObjectNode().put("content", delta.path("text").asText()), null));
        }
        case "input_json_delta" -> {
          Integer toolIndex = toolIndexByBlock.get(blockIndex);
          if (toolIndex == null) {
            throw new IOException("input_json_delta for a block that is not a tool_use");
          }
          ObjectNode call = json.createObjectNode().put("index", toolIndex);
          call.putObject("function").put("arguments", delta.path("partial_json").asText());
          ObjectNode out = json.createObjectNode();
          out.putArray("tool_calls").add(call);
          return java.util.List.of(chunk(out, null));
        }
        case "thinking_delta" -> {
          return java.util.List.of(thinking(delta.path("thinking").asText()));
        }
        case "signature_delta" -> {
          ObjectNode out = json.createObjectNode();
          out.putArray("thinking_blocks").addObject().put("type", "thinking").put("thinking", "")
              .put("signature", delta.path("signature").asText());
          return java.util.List.of(chunk(out, null));
        }
        default -> {
          return java.util.List.of(); // citations_delta
        }
      }
    }

    private java.util.List<String> messageDelta(JsonNode event) {
      if (event.path("usage").has("output_tokens")) {
        outputTokens = event.path("usage").path("output_tokens").asLong();
      }
      String stopReason = event.path("delta").path("stop_reason").asText("");
      if (stopReason.isEmpty()) {
        return java.util.List.of();
      }
      return java.util.List.of(chunk(json.createObjectNode(), finishReason(stopReason)));
    }

    private java.util.List<String> messageStop() {
      stopped = true;
      if (!includeUsage) {
        return java.util.List.of();
      }
      ObjectNode out = header();
      out.putArray("choices");
      out.set("usage", openAiUsage(inputUsage, outputTokens));
      return java.util.List.of(write(out));
    }

    private String chunk(ObjectNode delta, String finishReason) {
      ObjectNode out = header();
      ObjectNode choice = out.putArray("choices").addObject();
      choice.put("index", 0);
      choice.set("delta", delta);
      choice.putNull("logprobs");
      if (finishReason == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", finishReason);
      }
      return write(out);
    }

    private ObjectNode header() {
      return json.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
          .put("model", model);
    }
  }
}
