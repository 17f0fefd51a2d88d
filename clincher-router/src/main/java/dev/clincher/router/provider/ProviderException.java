package dev.clincher.router.provider;

import dev.clincher.common.http.UpstreamException;
import java.time.Duration;
import java.util.Optional;

/**
 * A provider call that failed: the upstream answered an error status, or could not be reached, or timed out.
 * The message is safe to show a client (no keys, no URLs with credentials).
 */
public final class ProviderException extends UpstreamException {
  private static final long serialVersionUID = 1L;

  /** Status used when no HTTP answer came: the connection failed (answered to clients as 502). */
  public static final int CONNECTION_FAILED = 0;

  private final transient Optional<Duration> retryAfter;

  /**
   * @param status     the upstream HTTP status, or {@link #CONNECTION_FAILED}
   * @param type       OpenAI error type, e.g. {@code rate_limit_error}
   * @param code       OpenAI error code, may be null
   * @param message    safe for clients
   * @param retryAfter the upstream's {@code Retry-After}, if it sent one
   */
  public ProviderException(int status, String type, String code, String message, Optional<Duration> retryAfter) {
    super(status, type, code, message);
    this.retryAfter = retryAfter;
  }

  /** The connection failed or timed out before an answer. */
  public static ProviderException unreachable(String message, boolean timedOut) {
    return new ProviderException(timedOut ? 504 : CONNECTION_FAILED, timedOut ? "timeout" : "api_connection_error",
        null, message, Optional.empty());
  }

  /**
   * The connection to deployment {@code deploymentId} failed or timed out before an answer: the cause class
   * ({@link Unreachable#code}) is the error's code and its sentence is in the message.
   */
  public static ProviderException unreachable(String deploymentId, Unreachable why) {
    String message = why.timedOut() ? "deployment " + deploymentId + ": " + why.sentence()
        : "deployment " + deploymentId + " could not be reached: " + why.sentence();
    return new ProviderException(why.timedOut() ? 504 : CONNECTION_FAILED,
        why.timedOut() ? "timeout" : "api_connection_error", why.code(), message, Optional.empty());
  }

  public Optional<Duration> retryAfter() {
    return retryAfter;
  }

  /** Worth another attempt: rate limits, timeouts, server errors and connection failures. */
  public boolean retryable() {
    int status = status();
    return status == CONNECTION_FAILED || status == 408 || status == 429 || (status >= 500 && status != 501);
  }

  /** The status to answer the client with. */
  public int clientStatus() {
    return status() == CONNECTION_FAILED ? 502 : status();
  }
}
