package dev.clincher.router.metering;

import java.util.OptionalDouble;

/** A deployment's own cost keys (USD per token), each optional. */
public record PriceOverrides(OptionalDouble input, OptionalDouble output, OptionalDouble cacheRead,
    OptionalDouble cacheWrite) {
  public static final PriceOverrides NONE =
      new PriceOverrides(OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty());
}
