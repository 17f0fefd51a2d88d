package dev.clincher.router.routing;

import dev.clincher.router.config.ErrorKind;
import dev.clincher.router.provider.ProviderException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which {@link ErrorKind} a provider error is, for {@code retry_policy} and {@code content_policy_fallbacks}.
 *
 * <p>By status: 400/413/422 bad request, 401/403 authentication, 408/504 (and the router's own timeouts) timeout,
 * 429 rate limit, other 5xx but 501 internal server error. A 400/422 whose code or message says the provider
 * refused the content is a content-policy violation instead: OpenAI's {@code content_policy_violation}, Azure's
 * {@code content_filter}, Anthropic's "content filtering policy". Connection failures, 404, 501 and a client that
 * went away are none of these kinds ({@code num_retries} decides for connection failures).
 */
public final class ErrorKinds {
  private static final List<String> CONTENT_POLICY_CODES = List.of("content_policy_violation", "content_filter");
  private static final List<String> CONTENT_POLICY_WORDS = List.of("content_policy_violation",
      "content filtering policy", "content management policy", "content policy", "safety system");

  private ErrorKinds() {}

  /** The kind of {@code error}, if it is one a retry policy names. */
  public static Optional<ErrorKind> of(ProviderException error) {
    if (isContentPolicy(error)) {
      return Optional.of(ErrorKind.CONTENT_POLICY);
    }
    int status = error.status();
    return switch (status) {
      case 400, 413, 422 -> Optional.of(ErrorKind.BAD_REQUEST);
      case 401, 403 -> Optional.of(ErrorKind.AUTHENTICATION);
      case 408, 504 -> Optional.of(ErrorKind.TIMEOUT);
      case 429 -> Optional.of(ErrorKind.RATE_LIMIT);
      default -> status >= 500 && status != 501 ? Optional.of(ErrorKind.INTERNAL_SERVER) : Optional.empty();
    };
  }

  /** The provider refused the request's content (a 400 or 422 saying so). */
  public static boolean isContentPolicy(ProviderException error) {
    if (error.status() != 400 && error.status() != 422) {
      return false;
    }
    if (error.code() != null && CONTENT_POLICY_CODES.contains(error.code())) {
      return true;
    }
    String message = String.valueOf(error.getMessage()).toLowerCase(Locale.ROOT);
    return CONTENT_POLICY_WORDS.stream().anyMatch(message::contains);
  }
}
