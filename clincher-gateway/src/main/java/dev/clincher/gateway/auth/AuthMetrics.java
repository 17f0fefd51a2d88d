package dev.clincher.gateway.auth;

import dev.clincher.common.metrics.Metrics;
import io.micrometer.core.instrument.Counter;

/**
 * Counts refused authentications by the rule that decided them:
 * {@code clincher_gateway_auth_refused_total{outcome,rule}}, e.g. {@code outcome="UNAUTHENTICATED",
 * rule="wrong_token"}. The handler that logs a decision ({@code gateway.auth.refused}, {@code gateway.signin.refused})
 * counts it here too, so the log line and the counter name the same rule.
 */
public final class AuthMetrics {
  private final Metrics metrics;

  public AuthMetrics(Metrics metrics) {
    this.metrics = metrics;
  }

  /** Counts {@code decision} when it is a refusal; an allowed request is not counted. */
  public void decided(AuthDecision decision) {
    if (decision.allowed()) {
      return;
    }
    Counter.builder(metrics.name("auth.refused")).description("Refused authentications by outcome and rule")
        .tag("outcome", decision.outcome().name()).tag("rule", decision.reason())
        .register(metrics.registry()).increment();
  }
}
