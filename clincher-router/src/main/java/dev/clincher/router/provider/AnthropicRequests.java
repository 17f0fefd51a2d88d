package dev.clincher.router.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;

/**
 * Translates an OpenAI chat request into an Anthropic Messages API request.
 *
 * <ul>
 *   <li>{@code system}/{@code developer} messages → {@code system} (text, in order);
 *   <li>{@code user} text and image parts → user content blocks ({@code image_url} data URLs → base64 sources);
 *   <li>{@code assistant} text and {@code tool_calls} → {@code text} and {@code tool_use} blocks (arguments parsed);
 *   <li>{@code tool} messages → {@code tool_result} blocks in a user turn; consecutive turns of one role merge;
 *   <li>{@code tools} → {@code name}/{@code description}/{@code input_schema}; {@code tool_choice} {@code auto},
 *       {@code required} → {@code any}, {@code none}, or a named function → {@code tool};
 *       {@code parallel_tool_calls: false} → {@code disable_parallel_tool_use};
 *   <li>{@code max_completion_tokens}/{@code max_tokens} → {@code max_tokens} (required there; default
 *       {@value #DEFAULT_MAX_TOKENS}); {@code stop} → {@code stop_sequences}; {@code user} →
 *       {@code metadata.user_id}; {@code temperature}, {@code top_p}, {@code stream} as they are.
 *   <li>Extended thinking, as LiteLLM maps it: {@code thinking} ({@code {"type":"enabled","budget_tokens":N}} or
 *       {@code {"type":"disabled"}}) passes through; {@code reasoning_effort} {@code low}/{@code medium}/{@code high}
 *       → {@code budget_tokens} 1024/2048/4096 ({@code none}: no thinking). The budget must be at least
 *       {@value #MIN_THINKING_BUDGET} and below {@code max_tokens}; without a client limit {@code max_tokens} is the
 *       budget plus {@value #DEFAULT_MAX_TOKENS}. An assistant message's {@code thinking_blocks} go back first in
 *       its turn, unchanged (Anthropic checks their signatures when tools are used).
 * </ul>
 *
 * Parameters Anthropic has no counterpart for ({@code frequency_penalty}, {@code seed}, {@code logprobs}, …) are
 * dropped; a {@code response_format} other than {@code text} is refused (400) rather than silently ignored.
 */
final class AnthropicRequests {
  /** LiteLLM's default when the client sets no limit. */
  static final int DEFAULT_MAX_TOKENS = 4096;
  /** Anthropic's smallest {@code budget_tokens}. */
  static final int MIN_THINKING_BUDGET = 1024;
  /** LiteLLM's {@code DEFAULT_REASONING_EFFORT_*_THINKING_BUDGET} for Anthropic. */
  static final Map<String, Integer> EFFORT_BUDGETS = Map.of("low", 1024, "medium", 2048, "high", 4096);

  private final ObjectMapper json;

  AnthropicRequests(ObjectMapper json) {
    this.json = json;
  }

  /** The Anthropic request for {@code openAi} (whose {@code model} is already the upstream model). */
  ObjectNode translate(ObjectNode openAi) throws ProviderException {
    ObjectNode out = json.createObjectNode();
    out.put("model", openAi.path("model").asText());
    Optional<JsonNode> thinking = thinking(openAi);
    out.put("max_tokens", maxTokens(openAi, thinking));
    thinking.ifPresent(value -> out.set("thinking", value));
    StringBuilder system = new StringBuilder();
    out.set("messages", messages(openAi.path("messages"), system));
    if (!system.isEmpty()) {
      out.put("system", system.toString());
    }
    copyIfPresent(openAi, out, "temperature", "temperature");
    copyIfPresent(openAi, out, "top_p", "top_p");
    stopSequences(openAi.path("stop")).ifPresent(stops -> out.set("stop_sequences", stops));
    if (openAi.path("user").isTextual()) {
      out.putObject("metadata").put("user_id", openAi.path("user").asText());
    }
    tools(openAi, out);
    checkResponseFormat(openAi.path("response_format"));
    if (openAi.path("stream").asBoolean(false)) {
      out.put("stream", true);
    }
    return out;
  }

  /**
   * The most output tokens an Anthropic call for this OpenAI request may produce: the {@code max_tokens} it will be
   * sent with (the client's limit, else {@value #DEFAULT_MAX_TOKENS} plus the thinking budget). For budget
   * reservations; it never fails: an invalid request is refused by the translation itself.
   */
  static long outputLimit(ObjectNode openAi) {
    JsonNode limit = openAi.hasNonNull("max_completion_tokens") ? openAi.get("max_completion_tokens")
        : openAi.path("max_tokens");
    if (limit.canConvertToLong() && limit.asLong() > 0) {
      return limit.asLong();
    }
    JsonNode thinking = openAi.path("thinking");
    long budget = "enabled".equals(thinking.path("type").asText()) && thinking.path("budget_tokens").canConvertToLong()
        ? Math.max(0, thinking.path("budget_tokens").asLong())
        : EFFORT_BUDGETS.getOrDefault(openAi.path("reasoning_effort").asText(""), 0);
    return DEFAULT_MAX_TOKENS + budget;
  }

  /**
   * The client's limit; without one {@value #DEFAULT_MAX_TOKENS}, plus the thinking budget when thinking is on (as
   * LiteLLM does). A budget not below an explicit limit is refused: Anthropic would refuse it less clearly.
   */
  private static int maxTokens(ObjectNode openAi, Optional<JsonNode> thinking) throws ProviderException {
    JsonNode limit = openAi.hasNonNull("max_completion_tokens") ? openAi.get("max_completion_tokens")
        : openAi.path("max_tokens");
    boolean explicit = limit.canConvertToInt() && limit.asInt() > 0;
    int budget = thinking.filter(value -> "enabled".equals(value.path("type").asText()))
        .map(value -> value.path("budget_tokens").asInt()).orElse(0);
    if (!explicit) {
      return DEFAULT_MAX_TOKENS + budget;
    }
    if (budget >= limit.asInt()) {
      throw badValue("thinking.budget_tokens", "the thinking budget (" + budget
          + " tokens) must be less than max_tokens/max_completion_tokens (" + limit.asInt() + ")");
    }
    return limit.asInt();
  }

  /** Anthropic's {@code thinking} from {@code thinking} or {@code reasoning_effort}, validated. */
  private Optional<JsonNode> thinking(ObjectNode openAi) throws ProviderException {
    JsonNode thinking = openAi.path("thinking");
    JsonNode effort = openAi.path("reasoning_effort");
    boolean hasThinking = !thinking.isMissingNode() && !thinking.isNull();
    boolean hasEffort = !effort.isMissingNode() && !effort.isNull();
    if (hasThinking && hasEffort) {
      throw badValue("reasoning_effort", "give either thinking or reasoning_effort, not both");
    }
    if (hasEffort) {
      if (effort.isTextual() && "none".equals(effort.asText())) {
        return Optional.empty();
      }
      Integer budget = effort.isTextual() ? EFFORT_BUDGETS.get(effort.asText()) : null;
      if (budget == null) {
        throw badValue("reasoning_effort", "reasoning_effort must be one of low, medium, high or none for an "
            + "Anthropic deployment");
      }
      return Optional.of(json.createObjectNode().put("type", "enabled").put("budget_tokens", budget));
    }
    if (!hasThinking) {
      return Optional.empty();
    }
    String type = thinking.path("type").asText("");
    if ("disabled".equals(type)) {
      return Optional.of(thinking);
    }
    if (!"enabled".equals(type)) {
      throw badValue("thinking.type", "thinking must be {\"type\":\"enabled\",\"budget_tokens\":N} or "
          + "{\"type\":\"disabled\"}");
    }
    JsonNode budget = thinking.path("budget_tokens");
    if (!budget.isIntegralNumber() || !budget.canConvertToInt()) {
      throw badValue("thinking.budget_tokens", "thinking.budget_tokens must be an integer");
    }
    if (budget.asInt() < MIN_THINKING_BUDGET) {
      throw badValue("thinking.budget_tokens", "thinking.budget_tokens must be at least " + MIN_THINKING_BUDGET);
    }
    return Optional.of(thinking);
  }

  private ArrayNode messages(JsonNode openAiMessages, StringBuilder system) throws ProviderException {
    ArrayNode messages = json.createArrayNode();
    for (JsonNode message : openAiMessages) {
      String role = message.path("role").asText();
      switch (role) {
        case "system", "developer" -> appendSystem(system, message.path("content"));
        case "user" -> addTurn(messages, "user", userBlocks(message.path("content")));
        case "assistant" -> addTurn(messages, "assistant", assistantBlocks(message));
        case "tool" -> addTurn(messages, "user", toolResult(message));
        default -> throw invalid("messages", "unsupported message role '" + role + "'");
      }
    }
    return messages;
  }

  /** Appends blocks to the last turn when it has the same role (Anthropic wants alternating turns). */
  private void addTurn(ArrayNode messages, String role, ArrayNode blocks) {
    if (blocks.isEmpty()) {
      return;
    }
    JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
    if (last != null && last.path("role").asText().equals(role)) {
      ((ArrayNode) last.get("content")).addAll(blocks);
      return;
    }
    ObjectNode turn = messages.addObject();
    turn.put("role", role);
    turn.set("content", blocks);
  }

  private static void appendSystem(StringBuilder system, JsonNode content) {
    String text = text(content);
    if (!text.isEmpty()) {
      system.append(system.isEmpty() ? "" : "\n\n").append(text);
    }
  }

  private ArrayNode userBlocks(JsonNode content) throws ProviderException {
    ArrayNode blocks = json.createArrayNode();
    if (content.isTextual()) {
      blocks.addObject().put("type", "text").put("text", content.asText());
      return blocks;
    }
    for (JsonNode part : content) {
      switch (part.path("type").asText()) {
        case "text" -> blocks.addObject().put("type", "text").put("text", part.path("text").asText());
        case "image_url" -> blocks.add(image(part.path("image_url").path("url").asText()));
        default -> throw invalid("messages", "unsupported content part '" + part.path("type").asText()
            + "' for an Anthropic deployment");
      }
    }
    return blocks;
  }

  private ObjectNode image(String url) throws ProviderException {
    ObjectNode block = json.createObjectNode().put("type", "image");
    ObjectNode source = block.putObject("source");
    if (url.startsWith("data:")) {
      int comma = url.indexOf(',');
      int semicolon = url.indexOf(';');
      if (comma < 0 || semicolon < 0 || semicolon > comma || !url.substring(semicolon, comma).equals(";base64")) {
        throw invalid("messages", "image data URLs must be base64");
      }
      source.put("type", "base64").put("media_type", url.substring(5, semicolon)).put("data", url.substring(comma + 1));
    } else {
      source.put("type", "url").put("url", url);
    }
    return block;
  }

  private ArrayNode assistantBlocks(JsonNode message) throws ProviderException {
    ArrayNode blocks = json.createArrayNode();
    thinkingBlocks(message.path("thinking_blocks"), blocks);
    String text = text(message.path("content"));
    if (!text.isEmpty()) {
      blocks.addObject().put("type", "text").put("text", text);
    }
    for (JsonNode call : message.path("tool_calls")) {
      ObjectNode block = blocks.addObject();
      block.put("type", "tool_use").put("id", call.path("id").asText()).put("name",
          call.path("function").path("name").asText());
      block.set("input", arguments(call.path("function").path("arguments")));
    }
    return blocks;
  }

  /**
   * The thinking blocks an earlier answer carried ({@code message.thinking_blocks}), sent back unchanged: Anthropic
   * verifies the signature of each, and wants them before the turn's text and tool use.
   */
  private static void thinkingBlocks(JsonNode thinkingBlocks, ArrayNode blocks) throws ProviderException {
    if (thinkingBlocks.isMissingNode() || thinkingBlocks.isNull()) {
      return;
    }
    if (!thinkingBlocks.isArray()) {
      throw badValue("messages", "an assistant message's thinking_blocks must be a list");
    }
    for (JsonNode block : thinkingBlocks) {
      boolean valid = switch (block.path("type").asText()) {
        case "thinking" -> block.path("thinking").isTextual() && block.path("signature").isTextual();
        case "redacted_thinking" -> block.path("data").isTextual();
        default -> false;
      };
      if (!valid) {
        throw badValue("messages", "thinking_blocks entries must be {type: thinking, thinking, signature} or "
            + "{type: redacted_thinking, data}, as the answer carried them");
      }
      blocks.add(block);
    }
  }

  private JsonNode arguments(JsonNode arguments) throws ProviderException {
    if (arguments.isObject()) {
      return arguments;
    }
    String text = arguments.asText("");
    if (text.isBlank()) {
      return json.createObjectNode();
    }
    try {
      JsonNode parsed = json.readTree(text);
      if (parsed != null && parsed.isObject()) {
        return parsed;
      }
    } catch (JsonProcessingException e) {
      // reported below
    }
    throw invalid("messages", "tool call arguments must be a JSON object");
  }

  private ArrayNode toolResult(JsonNode message) {
    ArrayNode blocks = json.createArrayNode();
    ObjectNode result = blocks.addObject();
    result.put("type", "tool_result").put("tool_use_id", message.path("tool_call_id").asText());
    result.put("content", text(message.path("content")));
    return blocks;
  }

  private void tools(ObjectNode openAi, ObjectNode out) throws ProviderException {
    JsonNode tools = openAi.path("tools");
    if (tools.isArray() && !tools.isEmpty()) {
      ArrayNode translated = out.putArray("tools");
      for (JsonNode tool : tools) {
        JsonNode function = tool.path("function");
        if (!"function".equals(tool.path("type").asText()) || !function.path("name").isTextual()) {
          throw invalid("tools", "only function tools are supported for Anthropic deployments");
        }
        ObjectNode entry = translated.addObject().put("name", function.path("name").asText());
        if (function.path("description").isTextual()) {
          entry.put("description", function.path("description").asText());
        }
        entry.set("input_schema", function.path("parameters").isObject() ? function.get("parameters")
            : json.createObjectNode().put("type", "object"));
      }
    }
    toolChoice(openAi).ifPresent(choice -> out.set("tool_choice", choice));
  }

  private Optional<ObjectNode> toolChoice(ObjectNode openAi) throws ProviderException {
    JsonNode choice = openAi.path("tool_choice");
    boolean noParallel = openAi.path("parallel_tool_calls").isBoolean() && !openAi.path("parallel_tool_calls").asBoolean();
    ObjectNode out;
    if (choice.isMissingNode() || choice.isNull()) {
      if (!noParallel) {
        return Optional.empty();
      }
      out = json.createObjectNode().put("type", "auto");
    } else if (choice.isTextual()) {
      out = switch (choice.asText()) {
        case "auto" -> json.createObjectNode().put("type", "auto");
        case "required" -> json.createObjectNode().put("type", "any");
        case "none" -> json.createObjectNode().put("type", "none");
        default -> throw invalid("tool_choice", "unsupported tool_choice '" + choice.asText() + "'");
      };
    } else if (choice.path("function").path("name").isTextual()) {
      out = json.createObjectNode().put("type", "tool").put("name", choice.path("function").path("name").asText());
    } else {
      throw invalid("tool_choice", "unsupported tool_choice");
    }
    if (noParallel && !"none".equals(out.path("type").asText())) {
      out.put("disable_parallel_tool_use", true);
    }
    return Optional.of(out);
  }

  private Optional<ArrayNode> stopSequences(JsonNode stop) {
    if (stop.isTextual()) {
      return Optional.of(json.createArrayNode().add(stop.asText()));
    }
    if (stop.isArray() && !stop.isEmpty()) {
      return Optional.of((ArrayNode) stop);
    }
    return Optional.empty();
  }

  private static void checkResponseFormat(JsonNode format) throws ProviderException {
    if (!format.isMissingNode() && !format.isNull() && !"text".equals(format.path("type").asText())) {
      throw invalid("response_format", "response_format '" + format.path("type").asText()
          + "' is not supported for Anthropic deployments yet");
    }
  }

  private static void copyIfPresent(ObjectNode from, ObjectNode to, String fromKey, String toKey) {
    if (from.hasNonNull(fromKey)) {
      to.set(toKey, from.get(fromKey));
    }
  }

  /** The text of a message content: a string, or the text parts of an array joined. */
  static String text(JsonNode content) {
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if ("text".equals(part.path("type").asText())) {
        text.append(part.path("text").asText());
      }
    }
    return text.toString();
  }

  /** 400 for a value out of range or of the wrong shape (OpenAI's {@code invalid_value}). */
  private static ProviderException badValue(String param, String message) {
    return new ProviderException(400, "invalid_request_error", "invalid_value", message + " (" + param + ")",
        Optional.empty());
  }

  private static ProviderException invalid(String param, String message) {
    return new ProviderException(400, "invalid_request_error", "unsupported_for_provider", message + " (" + param + ")",
        Optional.empty());
  }
}
