package dev.clincher.cache.semantic;

import java.util.Optional;

/** What {@link SemanticCache#lookup} found. */
public sealed interface Lookup {

  /** How a hit was found. */
  enum Kind { EXACT, SEMANTIC }

  /**
   * A cached value.
   *
   * @param similarity 1 for exact hits
   * @param entryKey   the hit entry's key (its exact hash)
   */
  record Hit(byte[] value, Kind kind, float similarity, String entryKey) implements Lookup {}

  /** Nothing usable; {@code embedding} is kept so {@link SemanticCache#store} need not embed again. */
  record Miss(Optional<float[]> embedding) implements Lookup {}

  /** The cache was skipped because its store is unreachable ({@code reason} for logs and metrics). */
  record Bypassed(String reason) implements Lookup {}
}
