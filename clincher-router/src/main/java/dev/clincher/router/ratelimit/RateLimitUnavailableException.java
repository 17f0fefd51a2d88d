package dev.clincher.router.ratelimit;

/**
 * The limiter could not decide: Redis did not answer, or the in-process limiter is full of active subjects. Callers
 * fail closed (refuse the call, 503), as they do when the spend store is down.
 */
public final class RateLimitUnavailableException extends RuntimeException {
  RateLimitUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  RateLimitUnavailableException(String message) {
    super(message);
  }
}
