package dev.clincher.gateway.auth;

import java.time.Duration;
import java.util.Optional;

/**
 * The outcome of authenticating one request. The lead maps it to the response: {@link Outcome#status()} with a JSON
 * error of type {@link Outcome#errorType()}, {@code WWW-Authenticate: Bearer} on 401 and {@code Retry-After:
 * }{@link #retryAfterSeconds()} on 429. {@link #toString()} is safe to log: it never holds the token or a ticket.
 *
 * @param outcome allowed or why not
 * @param client the client address (limiter key form: IPv4 or IPv6 /64) the decision was made for
 * @param reason a short log-safe detail: the rule that decided, e.g. {@code wrong_token}, {@code origin_not_allowed},
 *     or for an allowed request the origin rule ({@code same_origin}, {@code allowed_origins}, {@code no_origin})
 * @param credential what authenticated an allowed request: {@code token}, {@code cookie} or {@code ticket}; else
 *     empty
 * @param retryAfter for {@link Outcome#LOCKED_OUT}, how long the lockout still runs
 * @param subprotocol for an allowed WebSocket upgrade authenticated by ticket, the subprotocol to answer with
 */
public record AuthDecision(Outcome outcome, String client, String reason, String credential,
    Optional<Duration> retryAfter,
    Optional<String> subprotocol) {

  /** Allowed, or the reason for refusal with its HTTP status. */
  public enum Outcome {
    ALLOWED(200, ""),
    /** No credential, a malformed one, or a wrong one. */
    UNAUTHENTICATED(401, "authentication_error"),
    /** A browser origin that is not allowed. */
    FORBIDDEN_ORIGIN(403, "forbidden_origin"),
    /** A cookie-authenticated request that changes state without {@code Origin} or the CSRF header. */
    CSRF_REFUSED(403, "csrf_check_failed"),
    /** Too many failures from this client; even a correct token is refused until the lockout ends. */
    LOCKED_OUT(429, "too_many_failed_attempts");

    private final int status;
    private final String errorType;

    Outcome(int status, String errorType) {
      this.status = status;
      this.errorType = errorType;
    }

    public int status() {
      return status;
    }

    public String errorType() {
      return errorType;
    }
  }

  public boolean allowed() {
    return outcome == Outcome.ALLOWED;
  }

  /** Whole seconds for {@code Retry-After}, rounded up (at least 1); 0 when not locked out. */
  public long retryAfterSeconds() {
    return retryAfter.map(d -> Math.max(1, (d.toMillis() + 999) / 1000)).orElse(0L);
  }

  /**
   * Headers the refusal response must carry: {@code WWW-Authenticate: Bearer} on 401, {@code Retry-After} on 429;
   * empty when allowed. Send the body with {@code JsonErrors.send(response, callback, outcome().status(),
   * outcome().errorType(), clientMessage())}.
   */
  public java.util.Map<String, String> responseHeaders() {
    return switch (outcome) {
      case UNAUTHENTICATED -> java.util.Map.of("WWW-Authenticate", "Bearer");
      case LOCKED_OUT -> java.util.Map.of("Retry-After", Long.toString(retryAfterSeconds()));
      default -> java.util.Map.of();
    };
  }

  /** The message for the client's JSON error body (generic: it does not say which check failed beyond the type). */
  public String clientMessage() {
    return switch (outcome) {
      case ALLOWED -> "";
      case UNAUTHENTICATED -> "a valid bearer token is required";
      case FORBIDDEN_ORIGIN -> "this origin is not allowed";
      case CSRF_REFUSED -> "a signed-in browser request that changes state needs Origin and " + AuthRequest.CSRF_HEADER;
      case LOCKED_OUT -> "too many failed attempts; retry after " + retryAfterSeconds() + " s";
    };
  }
}
