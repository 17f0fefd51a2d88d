package dev.clincher.gateway.llm;

import java.util.List;

/**
 * One model turn: the text it wrote and the tool calls it asked for.
 *
 * @param content the assistant text (may be empty when it only calls tools)
 * @param toolCalls the calls in the order the model listed them
 * @param finishReason OpenAI's finish reason ({@code stop}, {@code tool_calls}, {@code length}, …)
 * @param promptTokens prompt tokens the router reported, or 0 when it reported none
 * @param completionTokens completion tokens the router reported, or 0
 */
public record ChatStep(String content, List<ToolCall> toolCalls, String finishReason, long promptTokens,
    long completionTokens) {

  public ChatStep {
    toolCalls = List.copyOf(toolCalls);
  }
}
