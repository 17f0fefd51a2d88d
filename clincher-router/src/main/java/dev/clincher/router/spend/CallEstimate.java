package dev.clincher.router.spend;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.router.metering.Usage;
import java.util.OptionalLong;

/**
 * How large a model call can get, known before it is made: what its budget reservation is computed from.
 *
 * <p>Prompt tokens are bounded by the request's size in bytes: a token is at least one byte of the text it stands
 * for, and the JSON around the messages more than covers the few tokens each message adds. Parts the bytes do not
 * bound count as fixed amounts: an image as {@value #IMAGE_TOKENS} tokens (a high-detail OpenAI image or a
 * full-size Anthropic one is below that), a file reference as {@value #FILE_TOKENS}. Output tokens are bounded by the
 * request's own {@code max_completion_tokens}/{@code max_tokens}; without one the router sends the deployment's
 * {@code model_info.max_output_tokens} (default {@value #DEFAULT_OUTPUT_LIMIT}) as the limit, so the bound holds.
 *
 * @param promptTokens most prompt tokens the call can count
 * @param outputLimit  the client's output limit, if it gave one
 */
public record CallEstimate(long promptTokens, OptionalLong outputLimit) {
  public static final int IMAGE_TOKENS = 2_000;
  public static final int FILE_TOKENS = 100_000;
  /** The output limit sent for a deployment without {@code model_info.max_output_tokens}. */
  public static final int DEFAULT_OUTPUT_LIMIT = 4_096;
  /** Bytes per token when counting what a stream delivered before it was cut (an estimate that errs high). */
  static final int BYTES_PER_TOKEN_ESTIMATE = 3;

  public CallEstimate {
    if (promptTokens < 0 || (outputLimit.isPresent() && outputLimit.getAsLong() < 0)) {
      throw new IllegalArgumentException("token counts must be >= 0");
    }
  }

  /** A chat request of {@code bodyBytes} bytes. */
  public static CallEstimate chat(JsonNode body, long bodyBytes) {
    long fixed = 0;
    for (JsonNode message : body.path("messages")) {
      for (JsonNode part : message.path("content")) {
        switch (part.path("type").asText("")) {
          case "image_url", "image" -> fixed += IMAGE_TOKENS;
          case "file", "document" -> fixed += FILE_TOKENS;
          default -> { }
        }
      }
    }
    JsonNode limit = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens")
        : body.path("max_tokens");
    OptionalLong output = limit.canConvertToLong() && limit.asLong() > 0 ? OptionalLong.of(limit.asLong())
        : OptionalLong.empty();
    return new CallEstimate(bodyBytes + fixed, output);
  }

  /** An embeddings request of {@code bodyBytes} bytes: prompt only. */
  public static CallEstimate embeddings(long bodyBytes) {
    return new CallEstimate(bodyBytes, OptionalLong.of(0));
  }

  /** The worst case on a deployment whose output limit, when the client gave none, is {@code deploymentLimit}. */
  public Usage worstCase(long deploymentLimit) {
    long output = outputLimit.orElse(deploymentLimit);
    return new Usage(promptTokens, output, promptTokens + output);
  }

  /**
   * What a stream cut short (the client left, the provider broke off) is charged: the prompt as the provider reported
   * it, else estimated from the request's size; the output from what was relayed, at
   * {@value #BYTES_PER_TOKEN_ESTIMATE} bytes a token and at least one token per chunk. Never zero.
   */
  public Usage cutShort(Usage reported, long relayedTextBytes, long relayedChunks) {
    long prompt = reported.promptTokens() > 0 ? reported.promptTokens()
        : Math.max(1, ceilDiv(promptTokens, BYTES_PER_TOKEN_ESTIMATE));
    long output = Math.max(reported.completionTokens(),
        Math.max(relayedChunks, ceilDiv(relayedTextBytes, BYTES_PER_TOKEN_ESTIMATE)));
    return new Usage(prompt, output, prompt + output, reported.cacheReadTokens(), reported.cacheWriteTokens());
  }

  private static long ceilDiv(long value, long by) {
    return (value + by - 1) / by;
  }
}
