package dev.clincher.router.provider;

import com.fasterxml.jackson.databind.JsonNode;

/** Token counts of one completion, from OpenAI's {@code usage} object (zeros when absent). */
public record Usage(long promptTokens, long completionTokens, long totalTokens) {
  public static final Usage NONE = new Usage(0, 0, 0);

  /** Reads {@code usage} from a completion or chunk; {@link #NONE} when it has none. */
  public static Usage of(JsonNode body) {
    JsonNode usage = body.path("usage");
    if (!usage.isObject()) {
      return NONE;
    }
    long prompt = usage.path("prompt_tokens").asLong(0);
    long completion = usage.path("completion_tokens").asLong(0);
    return new Usage(prompt, completion, usage.path("total_tokens").asLong(prompt + completion));
  }
}
