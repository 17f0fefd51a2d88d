package dev.clincher.router.config;

import java.util.List;
import java.util.Map;

/**
 * {@code fallbacks} and {@code context_window_fallbacks}: for a model group, the groups to try next, in order.
 *
 * @param general       group → groups to try when it fails
 * @param contextWindow group → groups with a larger context window
 * @param maxFallbacks  most fallback groups tried per request ({@code max_fallbacks}, default 5)
 */
public record FallbackSettings(Map<String, List<String>> general, Map<String, List<String>> contextWindow,
    int maxFallbacks) {
  public static final FallbackSettings NONE = new FallbackSettings(Map.of(), Map.of(), 5);

  public FallbackSettings {
    general = Map.copyOf(general);
    contextWindow = Map.copyOf(contextWindow);
  }
}
