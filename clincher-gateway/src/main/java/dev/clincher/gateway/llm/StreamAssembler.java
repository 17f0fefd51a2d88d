package dev.clincher.gateway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Joins OpenAI streaming chunks into one {@link ChatStep}. Tool calls arrive in fragments keyed by {@code index}:
 * the first fragment carries the id and name, later ones append to the arguments text. Bounded: at most
 * {@link #MAX_TOOL_CALLS} calls and {@link #MAX_TEXT_CHARS} characters of text or arguments in one step.
 */
final class StreamAssembler {
  static final int MAX_TOOL_CALLS = 64;
  static final int MAX_TEXT_CHARS = 2 * 1024 * 1024;

  private final StringBuilder content = new StringBuilder();
  private final TreeMap<Integer, PartialCall> calls = new TreeMap<>();
  private String finishReason = "";
  private long promptTokens;
  private long completionTokens;
  private long argumentChars;

  /** Takes one chunk; returns its text delta (empty when it had none). */
  String accept(JsonNode chunk) throws ChunkException {
    JsonNode usage = chunk.path("usage");
    if (usage.isObject()) {
      promptTokens = usage.path("prompt_tokens").asLong(promptTokens);
      completionTokens = usage.path("completion_tokens").asLong(completionTokens);
    }
    JsonNode choice = chunk.path("choices").path(0);
    if (choice.isMissingNode()) {
      return "";
    }
    if (choice.hasNonNull("finish_reason")) {
      finishReason = choice.get("finish_reason").asText();
    }
    JsonNode delta = choice.path("delta");
    for (JsonNode fragment : delta.path("tool_calls")) {
      acceptToolFragment(fragment);
    }
    String text = delta.path("content").isTextual() ? delta.get("content").asText() : "";
    if (content.length() + text.length() > MAX_TEXT_CHARS) {
      throw new ChunkException("the model wrote more than " + MAX_TEXT_CHARS + " characters in one step");
    }
    content.append(text);
    return text;
  }

  private void acceptToolFragment(JsonNode fragment) throws ChunkException {
    int index = fragment.path("index").asInt(calls.isEmpty() ? 0 : calls.lastKey());
    PartialCall call = calls.get(index);
    if (call == null) {
      if (calls.size() >= MAX_TOOL_CALLS) {
        throw new ChunkException("the model asked for more than " + MAX_TOOL_CALLS + " tool calls in one step");
      }
      call = new PartialCall();
      calls.put(index, call);
    }
    JsonNode function = fragment.path("function");
    if (fragment.hasNonNull("id")) {
      call.id = fragment.get("id").asText();
    }
    if (function.hasNonNull("name")) {
      call.name.append(function.get("name").asText());
    }
    if (function.hasNonNull("arguments")) {
      String part = function.get("arguments").asText();
      argumentChars += part.length();
      if (argumentChars > MAX_TEXT_CHARS) {
        throw new ChunkException("tool call arguments longer than " + MAX_TEXT_CHARS + " characters");
      }
      call.arguments.append(part);
    }
  }

  ChatStep result() {
    List<ToolCall> toolCalls = new ArrayList<>();
    int position = 0;
    for (PartialCall call : calls.values()) {
      String id = call.id == null || call.id.isEmpty() ? "call_" + position : call.id;
      toolCalls.add(new ToolCall(id, call.name.toString(), call.arguments.toString()));
      position++;
    }
    return new ChatStep(content.toString(), toolCalls, finishReason, promptTokens, completionTokens);
  }

  private static final class PartialCall {
    String id;
    final StringBuilder name = new StringBuilder();
    final StringBuilder arguments = new StringBuilder();
  }

  /** A chunk went past a bound. */
  static final class ChunkException extends java.io.IOException {
    ChunkException(String message) {
      super(message);
    }
  }
}
