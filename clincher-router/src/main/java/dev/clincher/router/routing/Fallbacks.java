package dev.clincher.router.routing;

import dev.clincher.router.config.FallbackSettings;
import dev.clincher.router.provider.ProviderException;
import java.util.List;
import java.util.Locale;

/**
 * Which other model groups to try when a group failed, per {@link FallbackSettings}.
 *
 * <p>A context-window error (the provider said the prompt is too long) moves to {@code context_window_fallbacks};
 * failures that are not the client's fault (rate limits, server errors, timeouts, no deployment available, the
 * provider refusing the router's key, a provider without the feature) move to {@code fallbacks}. Other client errors
 * (400, 413, 422) do not fall back: another model would refuse the same request.
 */
public record Fallbacks(FallbackSettings settings) {

  /** The groups to try after {@code group} failed with {@code error}, at most {@code max_fallbacks}. */
  public List<String> after(String group, Exception error) {
    List<String> chain;
    if (error instanceof ProviderException provider && isContextWindowError(provider)) {
      chain = settings.contextWindow().getOrDefault(group, List.of());
    } else if (error instanceof RoutingException || (error instanceof ProviderException provider
        && (provider.retryable() || List.of(401, 403, 404, 501).contains(provider.clientStatus())))) {
      chain = settings.general().getOrDefault(group, List.of());
    } else {
      chain = List.of();
    }
    return chain.stream().filter(name -> !name.equals(group)).limit(settings.maxFallbacks()).toList();
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
