package dev.clincher.router.metering;


/**
 * What one model charges, in USD per token (LiteLLM's {@code input_cost_per_token}, {@code output_cost_per_token},
 * {@code cache_read_input_token_cost}, {@code cache_creation_input_token_cost}).
 */
public record Price(double inputPerToken, double outputPerToken, double cacheReadPerToken, double cacheWritePerToken) {
  public Price {
    for (double value : new double[] {inputPerToken, outputPerToken, cacheReadPerToken, cacheWritePerToken}) {
      if (!(value >= 0) || !Double.isFinite(value)) {
        throw new IllegalArgumentException("token prices must be finite and >= 0");
      }
    }
  }

  /**
   * The cost of {@code usage} in USD: prompt tokens that were neither read from nor written to a prompt cache at the
   * input price, cache reads and cache writes at theirs, completion tokens at the output price.
   */
  public double cost(Usage usage) {
    long cached = usage.cacheReadTokens() + usage.cacheWriteTokens();
    long uncached = Math.max(0, usage.promptTokens() - cached);
    return uncached * inputPerToken + usage.cacheReadTokens() * cacheReadPerToken
        + usage.cacheWriteTokens() * cacheWritePerToken + usage.completionTokens() * outputPerToken;
  }

  /** The most {@code usage} can cost: every prompt token at the dearest of the input, cache-read and cache-write prices. */
  public double worstCost(Usage usage) {
    double prompt = Math.max(inputPerToken, Math.max(cacheReadPerToken, cacheWritePerToken));
    return usage.promptTokens() * prompt + usage.completionTokens() * outputPerToken;
  }
}
