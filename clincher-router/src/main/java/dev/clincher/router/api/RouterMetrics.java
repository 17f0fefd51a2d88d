package dev.clincher.router.api;

import dev.clincher.common.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The router's meters: Clincher's own ({@code clincher_router_*}) and the LiteLLM names existing dashboards query
 * ({@code litellm_proxy_total_requests_metric_total}, {@code litellm_deployment_success_responses_total}, …).
 */
public final class RouterMetrics {
  private final Metrics metrics;
  private final MeterRegistry registry;

  public RouterMetrics(Metrics metrics, Supplier<Number> inFlight) {
    this.metrics = metrics;
    this.registry = metrics.registry();
    io.micrometer.core.instrument.Gauge.builder(metrics.name("requests.in.flight"), inFlight)
        .description("Requests being served now").register(registry);
  }

  /** One finished request to the OpenAI routes. */
  public void request(String model, int status, Duration duration, java.util.Optional<Duration> overhead) {
    String statusText = String.valueOf(status);
    Counter.builder(metrics.name("requests")).tag("model", model).tag("status", statusText).register(registry)
        .increment();
    Timer.builder(metrics.name("request.duration")).tag("model", model).register(registry).record(duration);
    overhead.ifPresent(own -> Timer.builder(metrics.name("overhead.duration")).tag("model", model).register(registry)
        .record(own));
    Counter.builder("litellm_proxy_total_requests_metric").tag("requested_model", model)
        .tag("status_code", statusText).register(registry).increment();
    if (status >= 400) {
      Counter.builder("litellm_proxy_failed_requests_metric").tag("requested_model", model)
          .tag("exception_status", statusText).register(registry).increment();
    }
  }

  /** One provider call that succeeded, with its tokens. */
  public void deploymentSuccess(String model, String deploymentId, long promptTokens, long completionTokens) {
    Counter.builder("litellm_deployment_success_responses").tag("requested_model", model)
        .tag("model_id", deploymentId).register(registry).increment();
    Counter.builder(metrics.name("tokens")).tag("model", model).tag("type", "prompt").register(registry)
        .increment(promptTokens);
    Counter.builder(metrics.name("tokens")).tag("model", model).tag("type", "completion").register(registry)
        .increment(completionTokens);
    Counter.builder("litellm_input_tokens_metric").tag("requested_model", model).register(registry)
        .increment(promptTokens);
    Counter.builder("litellm_output_tokens_metric").tag("requested_model", model).register(registry)
        .increment(completionTokens);
  }

  /** One provider call that failed. */
  public void deploymentFailure(String model, String deploymentId, int status, boolean retried) {
    Counter.builder("litellm_deployment_failure_responses").tag("requested_model", model)
        .tag("model_id", deploymentId).tag("exception_status", String.valueOf(status)).register(registry).increment();
    if (retried) {
      Counter.builder(metrics.name("retries")).tag("model", model).register(registry).increment();
    }
  }

  /** A request refused before routing: over a budget or a rate limit ({@code scope}, see {@code Refusal}). */
  public void refusal(String model, String scope) {
    Counter.builder(metrics.name("refusals")).tag("model", model).tag("scope", scope).register(registry).increment();
  }

  /** Spend of one answered call, in USD (LiteLLM's {@code litellm_spend_metric} too). */
  public void spend(String model, double usd) {
    Counter.builder(metrics.name("spend.usd")).tag("model", model).register(registry).increment(usd);
    Counter.builder("litellm_spend_metric").tag("model", model).register(registry).increment(usd);
  }
}
