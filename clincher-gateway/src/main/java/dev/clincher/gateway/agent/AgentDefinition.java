package dev.clincher.gateway.agent;

import java.time.Duration;

/**
 * An agent as the runtime uses it, resolved from config.
 *
 * @param name the agent's name ({@code model: "clincher:<name>"} on the OpenAI entry)
 * @param model the router model name the agent calls
 * @param systemPrompt the system prompt text (read from the agent's prompt file at start-up)
 * @param maxSteps model calls allowed in one run; the run ends with {@code step_limit} after that
 * @param runTimeout wall time allowed for one run
 * @param maxOutputTokens {@code max_tokens} sent with every model call
 * @param contextTokens the model's context budget; older tool results, then older turns, give way beyond it
 * @param maxToolResultChars longer tool results are cut with a notice before the model sees them
 */
public record AgentDefinition(String name, String model, String systemPrompt, int maxSteps, Duration runTimeout,
    int maxOutputTokens, int contextTokens, int maxToolResultChars) {

  public AgentDefinition {
    if (maxSteps < 1) {
      throw new IllegalArgumentException("max_steps must be at least 1");
    }
    if (runTimeout.isZero() || runTimeout.isNegative()) {
      throw new IllegalArgumentException("run_timeout must be positive");
    }
    if (maxOutputTokens < 1) {
      throw new IllegalArgumentException("max_output_tokens must be at least 1");
    }
    if (contextTokens < maxOutputTokens + 1024) {
      throw new IllegalArgumentException("context_tokens must exceed max_output_tokens by at least 1024");
    }
    if (maxToolResultChars < 256) {
      throw new IllegalArgumentException("max_tool_result_chars must be at least 256");
    }
  }
}
