package dev.clincher.router.spend;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a request is refused before any provider is called, as the client will see it (OpenAI's error shape), and the
 * rule that decided it.
 *
 * @param status     HTTP status: 400 over budget (LiteLLM's) or for an expired key, 401 for a key that may not call,
 *                   429 over a rate limit, 503 counters unreachable
 * @param type       {@code budget_exceeded}, {@code rate_limit_error}, {@code api_error}, or LiteLLM's key refusal
 *                   types ({@code expired_key}, {@code auth_error}, {@code key_model_access_denied}, ...)
 * @param code       machine-readable code
 * @param message    for the client: which budget, limit or key rule, never a key
 * @param scope      the rule that decided, for the log line and metrics: {@code key_budget}, {@code model_budget},
 *                   {@code key_rpm}, {@code key_tpm}, {@code store_unavailable}, {@code invalid_key},
 *                   {@code key_blocked}, {@code master_key_only}, ...
 * @param retryAfter sent as {@code Retry-After} when present
 * @param param      the request field at fault ({@code model} for a model the key may not call), or null
 */
public record Refusal(int status, String type, String code, String message, String scope,
    Optional<Duration> retryAfter, String param) {

  /** A refusal about the request as a whole, not one of its fields. */
  public Refusal(int status, String type, String code, String message, String scope, Optional<Duration> retryAfter) {
    this(status, type, code, message, scope, retryAfter, null);
  }

  static Refusal budget(String scope, String message, Optional<Duration> untilReset) {
    return new Refusal(400, "budget_exceeded", "400", message, scope, untilReset);
  }

  public static Refusal rateLimit(String scope, String message, Duration untilReset) {
    return new Refusal(429, "rate_limit_error", "rate_limit_exceeded", message, scope, Optional.of(untilReset));
  }

  /** A budget applies to a call on a deployment whose price is unknown: its cost could not be bounded. */
  static Refusal missingPrice(String deploymentId, String modelName) {
    return new Refusal(400, "invalid_request_error", "model_price_missing", "a budget applies to this call, but "
        + "deployment " + deploymentId + " (model " + modelName + ") has no price, so its cost cannot be bounded: set "
        + "input_cost_per_token and output_cost_per_token in its model_info", "missing_price", Optional.empty());
  }

  public static Refusal storeUnavailable() {
    return new Refusal(503, "api_error", "spend_store_unavailable",
        "budgets and limits cannot be checked right now (the counter store is unreachable)", "store_unavailable",
        Optional.of(Duration.ofSeconds(5)));
  }
}
