package dev.clincher.router.config;

/**
 * The kinds of provider error a {@code retry_policy} names, after LiteLLM's exception classes. The router's
 * {@code routing.ErrorKinds} says which kind a provider error is.
 */
public enum ErrorKind {
  BAD_REQUEST("BadRequestErrorRetries"),
  AUTHENTICATION("AuthenticationErrorRetries"),
  TIMEOUT("TimeoutErrorRetries"),
  RATE_LIMIT("RateLimitErrorRetries"),
  CONTENT_POLICY("ContentPolicyViolationErrorRetries"),
  INTERNAL_SERVER("InternalServerErrorRetries");

  private final String policyKey;

  ErrorKind(String policyKey) {
    this.policyKey = policyKey;
  }

  /** Its key in a {@code retry_policy}, e.g. {@code RateLimitErrorRetries}. */
  public String policyKey() {
    return policyKey;
  }
}
