package dev.clincher.router.api;

import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.LatencyBuckets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import dev.clincher.router.keys.Team;
import dev.clincher.router.routing.Deployment;
import dev.clincher.router.routing.Dispatcher;
import dev.clincher.router.keys.VirtualKey;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
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
    this.spendLogWrite = LatencyBuckets.timer(metrics.name("spend.log.write.duration"), LatencyBuckets.STORE_SECONDS)
        .description("One spend-log row appended until durable (or failed)").register(registry);
  }

  private final Timer spendLogWrite;

  /**
   * One spend-log append, until its row was durable or failed:
   * {@code clincher_router_spend_log_write_duration_seconds} (a histogram, 0.5 ms to 5 s).
   */
  public void spendLogWrite(long nanos) {
    spendLogWrite.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /**
   * The meters of a request's outcome, built once per (model, status): building them per request (tag arrays, meter
   * lookups) was a quarter of the router's allocation under load.
   */
  private record RequestMeters(Counter requests, Timer duration, Timer overhead, Counter total,
      java.util.Optional<Counter> failed, DistributionSummary totalLatency) {}

  /** The meters of provider calls to one deployment: whole call and time to the first streamed chunk (seconds). */
  private record ProviderMeters(DistributionSummary latency, DistributionSummary timeToFirstToken) {}

  /** The meters of a successful provider call, built once per (model, deployment). */
  private record SuccessMeters(Counter responses, Counter promptTokens, Counter completionTokens, Counter inputTokens,
      Counter outputTokens) {}

  private record Key(String model, String detail) {}

  private final ConcurrentHashMap<Key, RequestMeters> requestMeters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, SuccessMeters> successMeters = new ConcurrentHashMap<>();

  /** One finished request to the OpenAI routes ({@code model}: a configured group, so the set is bounded). */
  public void request(String model, int status, Duration duration, java.util.Optional<Duration> overhead) {
    RequestMeters meters = requestMeters.computeIfAbsent(new Key(model, String.valueOf(status)), this::requestMeters);
    meters.requests().increment();
    meters.duration().record(duration);
    overhead.ifPresent(own -> meters.overhead().record(own));
    meters.total().increment();
    meters.failed().ifPresent(Counter::increment);
    meters.totalLatency().record(duration.toNanos() / 1e9);
  }

  /**
   * One provider call's duration (an attempt, or a stream from its start to its end):
   * {@code litellm_llm_api_latency_metric{model,model_id}} in seconds.
   */
  public void providerCall(String model, String deploymentId, long nanos) {
    providerMeters.computeIfAbsent(new Key(model, deploymentId), this::providerMeters).latency().record(nanos / 1e9);
  }

  /** A stream's first chunk after this long: {@code litellm_llm_api_time_to_first_token_metric{model,model_id}}. */
  public void timeToFirstToken(String model, String deploymentId, long nanos) {
    providerMeters.computeIfAbsent(new Key(model, deploymentId), this::providerMeters).timeToFirstToken()
        .record(nanos / 1e9);
  }

  private final ConcurrentHashMap<Key, ProviderMeters> providerMeters = new ConcurrentHashMap<>();

  private ProviderMeters providerMeters(Key key) {
    return new ProviderMeters(
        LatencyBuckets.seconds("litellm_llm_api_latency_metric", "Provider call latency (seconds)")
            .tag("model", key.model()).tag("model_id", key.detail()).register(registry),
        LatencyBuckets.seconds("litellm_llm_api_time_to_first_token_metric",
                "Time to the first streamed chunk (seconds)")
            .tag("model", key.model()).tag("model_id", key.detail()).register(registry));
  }

  private RequestMeters requestMeters(Key key) {
    String model = key.model();
    String status = key.detail();
    return new RequestMeters(
        Counter.builder(metrics.name("requests")).tag("model", model).tag("status", status).register(registry),
        LatencyBuckets.timer(metrics.name("request.duration")).tag("model", model).register(registry),
        LatencyBuckets.timer(metrics.name("overhead.duration")).tag("model", model).register(registry),
        Counter.builder("litellm_proxy_total_requests_metric").tag("requested_model", model)
            .tag("status_code", status).register(registry),
        Integer.parseInt(status) >= 400
            ? java.util.Optional.of(Counter.builder("litellm_proxy_failed_requests_metric")
                .tag("requested_model", model).tag("exception_status", status).register(registry))
            : java.util.Optional.empty(),
        LatencyBuckets.seconds("litellm_request_total_latency_metric", "Whole request latency (seconds)")
            .tag("requested_model", model).register(registry));
  }

  /** One provider call that succeeded, with its tokens. */
  public void deploymentSuccess(String model, String deploymentId, long promptTokens, long completionTokens) {
    SuccessMeters meters = successMeters.computeIfAbsent(new Key(model, deploymentId), this::successMeters);
    meters.responses().increment();
    meters.promptTokens().increment(promptTokens);
    meters.completionTokens().increment(completionTokens);
    meters.inputTokens().increment(promptTokens);
    meters.outputTokens().increment(completionTokens);
  }

  private SuccessMeters successMeters(Key key) {
    String model = key.model();
    return new SuccessMeters(
        Counter.builder("litellm_deployment_success_responses").tag("requested_model", model)
            .tag("model_id", key.detail()).register(registry),
        Counter.builder(metrics.name("tokens")).tag("model", model).tag("type", "prompt").register(registry),
        Counter.builder(metrics.name("tokens")).tag("model", model).tag("type", "completion").register(registry),
        Counter.builder("litellm_input_tokens_metric").tag("requested_model", model).register(registry),
        Counter.builder("litellm_output_tokens_metric").tag("requested_model", model).register(registry));
  }

  /**
   * LiteLLM's {@code litellm_deployment_state{litellm_model_name,model_id}} for each deployment (0 healthy, 1 partial
   * outage, 2 outage; see {@link Deployment#state()}), read when Prometheus scrapes.
   */
  public void deploymentStates(Dispatcher dispatcher) {
    for (String model : dispatcher.modelNames()) {
      for (Deployment deployment : dispatcher.group(model).orElseThrow().deployments()) {
        io.micrometer.core.instrument.Gauge.builder("litellm_deployment_state", deployment, Deployment::state)
            .tag("litellm_model_name", model).tag("model_id", deployment.id()).register(registry);
      }
    }
  }

  /** One provider call that failed. */
  public void deploymentFailure(String model, String deploymentId, int status, boolean retried) {
    Counter.builder("litellm_deployment_failure_responses").tag("requested_model", model)
        .tag("model_id", deploymentId).tag("exception_status", String.valueOf(status)).register(registry).increment();
    if (retried) {
      Counter.builder(metrics.name("retries")).tag("model", model).register(registry).increment();
    }
  }

  /**
   * A request refused before any provider answered; {@code scope} is the rule that decided: a budget or a rate limit
   * ({@code Refusal#scope}), or a key refusal ({@code invalid_key}, {@code key_blocked}, {@code master_key_only}, ...).
   */
  public void refusal(String model, String scope) {
    Counter.builder(metrics.name("refusals")).tag("model", model).tag("scope", scope).register(registry).increment();
  }

  /**
   * Spend of one answered call, in USD: {@code clincher_router_spend_usd_total{model}} and LiteLLM's
   * {@code litellm_spend_metric_total} and {@code litellm_total_tokens_metric_total} per model and key (the virtual
   * key's hash and alias; empty for the master key). LiteLLM also labels them by end user; that label is left out
   * here, because any client can send any number of {@code user} values and each would be a new series.
   */
  public void spend(String model, Optional<VirtualKey> key, double usd, long tokens) {
    Counter.builder(metrics.name("spend.usd")).tag("model", model).register(registry).increment(usd);
    String hash = key.map(VirtualKey::tokenHash).orElse("");
    String alias = key.flatMap(VirtualKey::alias).orElse("");
    Counter.builder("litellm_spend_metric").tag("model", model).tag("hashed_api_key", hash)
        .tag("api_key_alias", alias).register(registry).increment(usd);
    Counter.builder("litellm_total_tokens_metric").tag("model", model).tag("hashed_api_key", hash)
        .tag("api_key_alias", alias).register(registry).increment(tokens);
  }

  /**
   * A virtual key's budget: LiteLLM's {@code litellm_api_key_max_budget_metric} and
   * {@code litellm_remaining_api_key_budget_metric} (USD; one series per key with a budget). {@code spent} is read
   * when Prometheus scrapes (one counter read per scrape), not per call; each call only keeps the key's latest budget.
   */
  public void keyBudget(VirtualKey key, double maxBudget, DoubleSupplier spent) {
    budgets.computeIfAbsent("key:" + key.tokenHash(), id -> new BudgetGauges("api_key",
        Tags.of("hashed_api_key", key.tokenHash(), "api_key_alias", key.alias().orElse("")))).set(maxBudget, spent);
  }

  /**
   * A team's budget, as a key's: LiteLLM's {@code litellm_team_max_budget_metric} and
   * {@code litellm_remaining_team_budget_metric} (USD; one series per team with a budget).
   */
  public void teamBudget(Team team, double maxBudget, DoubleSupplier spent) {
    budgets.computeIfAbsent("team:" + team.teamId(), id -> new BudgetGauges("team",
        Tags.of("team_id", team.teamId(), "team_alias", team.alias().orElse("")))).set(maxBudget, spent);
  }

  /**
   * The global budget ({@code litellm_settings.max_budget}, USD, in its current period):
   * {@code clincher_router_global_budget_max_usd} and {@code clincher_router_global_budget_remaining_usd}, read at
   * scrape time (NaN when the counters do not answer). LiteLLM exports no global budget gauge of its own.
   */
  public void globalBudget(double maxBudget, DoubleSupplier spent) {
    io.micrometer.core.instrument.Gauge.builder(metrics.name("global.budget.max.usd"), () -> maxBudget)
        .description("The global budget (litellm_settings.max_budget), USD").register(registry);
    io.micrometer.core.instrument.Gauge.builder(metrics.name("global.budget.remaining.usd"), () -> {
      try {
        return Math.max(0, maxBudget - spent.getAsDouble());
      } catch (RuntimeException storeDown) {
        return Double.NaN;
      }
    }).description("What is left of the global budget in its current period, USD").register(registry);
  }

  private final ConcurrentHashMap<String, BudgetGauges> budgets = new ConcurrentHashMap<>();

  /** LiteLLM's pair of gauges for one budget: the maximum and what is left (NaN when the counters do not answer). */
  private final class BudgetGauges {
    private volatile double max;
    private volatile DoubleSupplier spent = () -> 0;

    BudgetGauges(String what, Tags tags) {
      io.micrometer.core.instrument.Gauge.builder("litellm_" + what + "_max_budget_metric", this, g -> g.max)
          .tags(tags).register(registry);
      io.micrometer.core.instrument.Gauge.builder("litellm_remaining_" + what + "_budget_metric", this,
          BudgetGauges::remaining).tags(tags).register(registry);
    }

    void set(double maxBudget, DoubleSupplier spentNow) {
      max = maxBudget;
      spent = spentNow;
    }

    double remaining() {
      try {
        return Math.max(0, max - spent.getAsDouble());
      } catch (RuntimeException storeDown) {
        return Double.NaN;
      }
    }
  }

  /**
   * What is left of a key's or a team's rate limit in the last minute, as its last call saw it:
   * {@code clincher_router_rate_limit_remaining{owner="key"|"team", id, limit="rpm"|"tpm"}} (one series per limited
   * key or team and limit; {@code id} is the key's token hash or the SHA-256 of the team id). LiteLLM's
   * {@code litellm_remaining_api_key_requests_for_model} is per model; a Clincher key's limits are not.
   */
  public void rateLimitRemaining(String owner, String id, String limit, long remaining) {
    remainingLimits.computeIfAbsent(owner + ':' + id + ':' + limit, name -> {
      AtomicLong value = new AtomicLong();
      io.micrometer.core.instrument.Gauge.builder(metrics.name("rate.limit.remaining"), value, AtomicLong::get)
          .tags("owner", owner, "id", id, "limit", limit).register(registry);
      return value;
    }).set(remaining);
  }

  private final ConcurrentHashMap<String, AtomicLong> remainingLimits = new ConcurrentHashMap<>();

  /**
   * A call whose actual cost was more than it reserved: its provider answered with more tokens than the output limit
   * it was sent. Budgets can then be exceeded by that call's excess; this counter says it happened.
   */
  public void reservationExceeded(String model) {
    Counter.builder(metrics.name("reservations.exceeded")).tag("model", model).register(registry).increment();
  }

  /**
   * A reservation settled below its worst case: {@code clincher_router_reservation_corrections_usd_total{model}} adds
   * what was held but not spent (the worst case minus the actual cost), so the operator sees how much headroom
   * reservations take from budgets while calls run.
   */
  public void reservationCorrected(String model, long nanos) {
    Counter.builder(metrics.name("reservation.corrections.usd")).tag("model", model).register(registry)
        .increment(nanos / (double) dev.clincher.router.spend.SpendControls.NANOS_PER_USD);
  }

  /** A spend-log row that could not be written ({@code reason}: the spend log's, e.g. {@code timeout}). */
  public void spendLogFailure(String reason) {
    Counter.builder(metrics.name("spend.log.failures")).tag("reason", reason).register(registry).increment();
  }
}
