package dev.clincher.router.routing;

import java.time.Duration;
import java.util.Optional;

/** No deployment could take the request: the router or the group is at capacity, cooling down or at its limits. */
public final class RoutingException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Optional<Duration> retryAfter;

  public RoutingException(String message, Optional<Duration> retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** When trying again may succeed, if known. */
  public Optional<Duration> retryAfter() {
    return retryAfter;
  }
}
