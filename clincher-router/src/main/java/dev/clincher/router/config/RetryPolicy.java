package dev.clincher.router.config;

import java.util.Map;
import java.util.OptionalInt;

/**
 * A {@code retry_policy}: retries per error kind, overriding {@code num_retries} for the kinds it names.
 *
 * @param retries error kind → retries after the first attempt (0..10)
 */
public record RetryPolicy(Map<ErrorKind, Integer> retries) {
  public static final RetryPolicy NONE = new RetryPolicy(Map.of());

  public RetryPolicy {
    retries = Map.copyOf(retries);
  }

  /** The retries for {@code kind}, when this policy names it. */
  public OptionalInt retries(ErrorKind kind) {
    Integer value = retries.get(kind);
    return value == null ? OptionalInt.empty() : OptionalInt.of(value);
  }
}
