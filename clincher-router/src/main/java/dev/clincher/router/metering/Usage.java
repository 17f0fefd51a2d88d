package dev.clincher.router.metering;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Token counts of one completion, from OpenAI's {@code usage} object (zeros when absent).
 *
 * @param promptTokens     input tokens, cache reads and writes included (as OpenAI and LiteLLM count them)
 * @param completionTokens output tokens
 * @param totalTokens      as reported, else prompt + completion
 * @param cacheReadTokens  of the prompt tokens, those read from a prompt cache (Anthropic's
 *                         {@code cache_read_input_tokens}, else OpenAI's {@code prompt_tokens_details.cached_tokens})
 * @param cacheWriteTokens of the prompt tokens, those written to a prompt cache (Anthropic's
 *                         {@code cache_creation_input_tokens})
 */
public record Usage(long promptTokens, long completionTokens, long totalTokens, long cacheReadTokens,
    long cacheWriteTokens) {
  public static final Usage NONE = new Usage(0, 0, 0);

  /** Usage without prompt-cache counts. */
  public Usage(long promptTokens, long completionTokens, long totalTokens) {
    this(promptTokens, completionTokens, totalTokens, 0, 0);
  }

  /** Reads {@code usage} from a completion or chunk; {@link #NONE} when it has none. */
  public static Usage of(JsonNode body) {
    JsonNode usage = body.path("usage");
    if (!usage.isObject()) {
      return NONE;
    }
    long prompt = usage.path("prompt_tokens").asLong(0);
    long completion = usage.path("completion_tokens").asLong(0);
    long cacheRead = usage.has("cache_read_input_tokens")
        ? usage.path("cache_read_input_tokens").asLong(0)
        : usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    long cacheWrite = usage.path("cache_creation_input_tokens").asLong(0);
    return new Usage(prompt, completion, usage.path("total_tokens").asLong(prompt + completion),
        Math.max(0, cacheRead), Math.max(0, cacheWrite));
  }

  /** Whether the provider reported any usage at all. */
  public boolean reported() {
    return totalTokens > 0 || promptTokens > 0 || completionTokens > 0;
  }
}
