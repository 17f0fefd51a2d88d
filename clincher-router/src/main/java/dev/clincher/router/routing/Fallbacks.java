package dev.clincher.router.routing;

import dev.clincher.router.config.FallbackSettings;
import dev.clincher.router.provider.ProviderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which other model groups to try when a group failed, per {@link FallbackSettings}.
 *
 * <p>A content-policy violation ({@link ErrorKinds#isContentPolicy}) moves to {@code content_policy_fallbacks} only;
 * a context-window error (the provider said the prompt is too long) to {@code context_window_fallbacks} only;
 * failures that are not the client's fault (rate limits, server errors, timeouts, no deployment available, the
 * provider refusing the router's key, a provider without the feature) to the group's {@code fallbacks}, then
 * {@code default_fallbacks}. Other client errors (400, 413, 422) do not fall back: another model would refuse the
 * same request. The chain is the requested group's only (a fallback group's own fallbacks are not followed), never
 * names the group itself, and holds each group once.
 */
public record Fallbacks(FallbackSettings settings) {

  /** The groups to try after {@code group} failed with {@code error}, at most {@code max_fallbacks}. */
  public List<String> after(String group, Exception error) {
    return chain(group, error).stream().filter(name -> !name.equals(group)).distinct()
        .limit(settings.maxFallbacks()).toList();
  }

  private List<String> chain(String group, Exception error) {
    if (error instanceof ProviderException provider && ErrorKinds.isContentPolicy(provider)) {
      return settings.contentPolicy().getOrDefault(group, List.of());
    }
    if (error instanceof ProviderException provider && isContextWindowError(provider)) {
      return settings.contextWindow().getOrDefault(group, List.of());
    }
    if (error instanceof RoutingException || (error instanceof ProviderException provider
        && (provider.retryable() || List.of(401, 403, 404, 501).contains(provider.clientStatus())))) {
      List<String> chain = new ArrayList<>(settings.general().getOrDefault(group, List.of()));
      chain.addAll(settings.defaults());
      return chain;
    }
    return List.of();
  }

  /** OpenAI's {@code context_length_exceeded}, or the wording OpenAI-compatible servers and Anthropic use. */
  static boolean isContextWindowError(ProviderException error) {
    if (error.clientStatus() != 400 && error.clientStatus() != 413) {
      return false;
    }
    String message = String.valueOf(error.getMessage()).toLowerCase(Locale.ROOT);
    return "context_length_exceeded".equals(error.code()) || message.contains("context length")
        || message.contains("context window") || message.contains("prompt is too long")
        || message.contains("maximum context");
  }
}
