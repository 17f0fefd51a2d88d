package dev.clincher.router.config;

import java.util.List;
import java.util.Map;

/**
 * {@code fallbacks}, {@code context_window_fallbacks}, {@code content_policy_fallbacks} and
 * {@code default_fallbacks}: for a model group, the groups to try next, in order.
 *
 * @param general       group → groups to try when it fails
 * @param contextWindow group → groups with a larger context window
 * @param contentPolicy group → groups to try when the provider refused the content
 * @param defaults      groups to try after any group's own {@code general} ones ({@code default_fallbacks})
 * @param maxFallbacks  most fallback groups tried per request ({@code max_fallbacks}, default 5)
 */
public record FallbackSettings(Map<String, List<String>> general, Map<String, List<String>> contextWindow,
    Map<String, List<String>> contentPolicy, List<String> defaults, int maxFallbacks) {
  public static final FallbackSettings NONE = new FallbackSettings(Map.of(), Map.of(), 5);

  public FallbackSettings {
    general = Map.copyOf(general);
    contextWindow = Map.copyOf(contextWindow);
    contentPolicy = Map.copyOf(contentPolicy);
    defaults = List.copyOf(defaults);
  }

  /** Only {@code fallbacks} and {@code context_window_fallbacks}. */
  public FallbackSettings(Map<String, List<String>> general, Map<String, List<String>> contextWindow,
      int maxFallbacks) {
    this(general, contextWindow, Map.of(), List.of(), maxFallbacks);
  }
}
