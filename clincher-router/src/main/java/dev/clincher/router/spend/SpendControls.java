package dev.clincher.router.spend;

import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.provider.Usage;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Costs, budgets and rate limits over a {@link SpendStore}.
 *
 * <p>Spend is counted in nano-dollars ({@link #NANOS_PER_USD}) so concurrent increments add up exactly. Counters:
 * {@code spend:deployment:<id>:<window>} and {@code :total}, {@code spend:model:<model_name>:total},
 * {@code spend:key:<sha256>:<window>} and {@code :total}, and per-minute {@code rpm:key:<sha256>:<minute>} /
 * {@code tpm:key:<sha256>:<minute>}. Window counters expire a day after their window ends.
 *
 * <p>Checks happen before the provider is called: a virtual key over its budget or rpm/tpm limit, a model group whose
 * every deployment is over its {@code model_info.max_budget}, and (per attempt) a deployment over its budget. Spend is
 * recorded after the answer (after the last event of a stream), so requests already in flight may overshoot a budget
 * by their own cost, as in LiteLLM.
 */
public final class SpendControls {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  public static final long NANOS_PER_USD = 1_000_000_000L;
  private static final Duration GRACE = Duration.ofDays(1);
  private static final Duration MINUTE_TTL = Duration.ofMinutes(2);

  /**
   * What a deployment costs and may spend.
   *
   * @param deploymentId the deployment's id
   * @param modelName    its group's public name
   * @param price        per-token prices; empty = unknown (cost not counted, header omitted)
   * @param maxBudget    {@code model_info.max_budget} in USD per {@code period}
   * @param period       {@code model_info.budget_duration} (default {@link BudgetPeriod#MONTHLY})
   */
  public record DeploymentCost(String deploymentId, String modelName, Optional<Price> price, OptionalDouble maxBudget,
      BudgetPeriod period) {}

  private final SpendStore store;
  private final Clock clock;
  private final Map<String, DeploymentCost> deployments;

  public SpendControls(SpendStore store, Clock clock, List<DeploymentCost> deployments) {
    this.store = store;
    this.clock = clock;
    Map<String, DeploymentCost> byId = new java.util.HashMap<>();
    deployments.forEach(d -> byId.put(d.deploymentId(), d));
    this.deployments = Map.copyOf(byId);
  }

  /** The store's health, for readiness. */
  public boolean storeReachable() {
    return store.reachable();
  }

  /**
   * Checks a virtual key's budget, rpm and tpm before a model call; counts the call toward its rpm when admitted.
   */
  public Optional<Refusal> admitKey(VirtualKey key) {
    try {
      Instant now = clock.instant();
      if (key.maxBudget().isPresent()) {
        double spent = keySpend(key);
        if (spent >= key.maxBudget().getAsDouble()) {
          Optional<Duration> reset = key.budgetDuration().map(p -> p.window(now).remaining(now)); // none: never resets
          return Optional.of(Refusal.budget("key_budget", "Budget has been exceeded! Current cost: " + usd(spent)
              + ", Max budget: " + usd(key.maxBudget().getAsDouble()), reset));
        }
      }
      long minute = now.getEpochSecond() / 60;
      Duration untilNextMinute = Duration.ofSeconds(60 - now.getEpochSecond() % 60);
      if (key.tpmLimit().isPresent() && store.get(tpmCounter(key, minute)) >= key.tpmLimit().getAsLong()) {
        return Optional.of(Refusal.rateLimit("key_tpm", "this key is at its limit of " + key.tpmLimit().getAsLong()
            + " tokens per minute", untilNextMinute));
      }
      if (key.rpmLimit().isPresent()) {
        String counter = "rpm:key:" + key.tokenHash() + ":" + minute;
        if (store.add(counter, 1, MINUTE_TTL) > key.rpmLimit().getAsLong()) {
          store.add(counter, -1, MINUTE_TTL); // a refused request does not use up the next one's room
          return Optional.of(Refusal.rateLimit("key_rpm", "this key is at its limit of " + key.rpmLimit().getAsLong()
              + " requests per minute", untilNextMinute));
        }
      }
      return Optional.empty();
    } catch (RuntimeException e) {
      return unavailable(e);
    }
  }

  /** Refuses a group whose every deployment is over its budget (nothing could serve the request). */
  public Optional<Refusal> admitGroup(String modelName, List<String> deploymentIds) {
    Optional<Refusal> last = Optional.empty();
    for (String id : deploymentIds) {
      Optional<Refusal> over = overBudget(id);
      if (over.isEmpty()) {
        return Optional.empty();
      }
      last = over;
      if (over.get().status() != 400) {
        return over;
      }
    }
    return last;
  }

  /** Refuses a deployment over its {@code model_info.max_budget} for the current window. */
  public Optional<Refusal> overBudget(String deploymentId) {
    DeploymentCost cost = deployments.get(deploymentId);
    if (cost == null || cost.maxBudget().isEmpty()) {
      return Optional.empty();
    }
    try {
      Instant now = clock.instant();
      BudgetPeriod.Window window = cost.period().window(now);
      double spent = dollars(store.get("spend:deployment:" + deploymentId + ":" + window.id()));
      if (spent < cost.maxBudget().getAsDouble()) {
        return Optional.empty();
      }
      return Optional.of(Refusal.budget("model_budget", "Budget has been exceeded! Model=" + cost.modelName()
          + " Current cost: " + usd(spent) + ", Max budget: " + usd(cost.maxBudget().getAsDouble())
          + " per " + cost.period().text(), Optional.of(window.remaining(now))));
    } catch (RuntimeException e) {
      return unavailable(e);
    }
  }

  /** The cost of {@code usage} on a deployment, in USD; empty when its price is unknown (warned at start-up). */
  public Optional<Double> cost(String deploymentId, Usage usage) {
    DeploymentCost cost = deployments.get(deploymentId);
    if (cost == null || cost.price().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(cost.price().get().cost(usage));
  }

  /**
   * Records one answered call in one store round trip: tokens toward the key's tpm, and its cost (when known) toward
   * the deployment, the model group and the key. Returns the cost in USD, empty when unknown. A store failure is
   * logged, not thrown (the answer is already on its way).
   */
  public Optional<Double> record(Optional<VirtualKey> key, String deploymentId, Usage usage) {
    Optional<Double> cost = cost(deploymentId, usage);
    Instant now = clock.instant();
    List<SpendStore.Increment> increments = new ArrayList<>();
    if (key.isPresent() && key.get().tpmLimit().isPresent() && usage.totalTokens() > 0) {
      increments.add(new SpendStore.Increment(tpmCounter(key.get(), now.getEpochSecond() / 60), usage.totalTokens(),
          MINUTE_TTL));
    }
    if (cost.isPresent() && cost.get() > 0) {
      long nanos = Math.round(cost.get() * NANOS_PER_USD);
      DeploymentCost deployment = deployments.get(deploymentId);
      increments.add(windowed("spend:deployment:" + deploymentId, deployment.period(), nanos, now));
      increments.add(new SpendStore.Increment("spend:deployment:" + deploymentId + ":total", nanos, Duration.ZERO));
      increments.add(new SpendStore.Increment("spend:model:" + deployment.modelName() + ":total", nanos, Duration.ZERO));
      if (key.isPresent()) {
        VirtualKey k = key.get();
        increments.add(new SpendStore.Increment("spend:key:" + k.tokenHash() + ":total", nanos, Duration.ZERO));
        k.budgetDuration().ifPresent(period -> increments.add(windowed("spend:key:" + k.tokenHash(), period, nanos, now)));
      }
    }
    try {
      store.addAll(increments);
    } catch (RuntimeException e) {
      LOG.atWarn().addKeyValue("deployment", deploymentId).addKeyValue("exception", e.getClass().getName())
          .log("router.spend.record_failed");
    }
    return cost;
  }

  private static SpendStore.Increment windowed(String prefix, BudgetPeriod period, long nanos, Instant now) {
    BudgetPeriod.Window window = period.window(now);
    return new SpendStore.Increment(prefix + ":" + window.id(), nanos, window.remaining(now).plus(GRACE));
  }

  /** A key's spend toward its budget: in the current window with a {@code budget_duration}, else in total (USD). */
  public double keySpend(VirtualKey key) {
    Instant now = clock.instant();
    return dollars(store.get(key.budgetDuration()
        .map(period -> "spend:key:" + key.tokenHash() + ":" + period.window(now).id())
        .orElse("spend:key:" + key.tokenHash() + ":total")));
  }

  /** A key's spend since it was created (USD). */
  public double keyTotalSpend(VirtualKey key) {
    return dollars(store.get("spend:key:" + key.tokenHash() + ":total"));
  }

  /** A deployment's spend in its current budget window (USD). */
  public double deploymentSpend(String deploymentId) {
    DeploymentCost cost = deployments.get(deploymentId);
    BudgetPeriod period = cost == null ? BudgetPeriod.MONTHLY : cost.period();
    return dollars(store.get("spend:deployment:" + deploymentId + ":" + period.window(clock.instant()).id()));
  }

  /** A model group's spend since counting began (USD). */
  public double modelTotalSpend(String modelName) {
    return dollars(store.get("spend:model:" + modelName + ":total"));
  }

  /** When the budget window of {@code period} containing now ends. */
  public Instant resetAt(BudgetPeriod period) {
    return period.window(clock.instant()).end();
  }

  /** A USD amount as plain decimal text, e.g. {@code 0.000105} (never exponent notation). */
  public static String usd(double dollars) {
    return BigDecimal.valueOf(dollars).stripTrailingZeros().toPlainString().toLowerCase(Locale.ROOT);
  }

  private static String tpmCounter(VirtualKey key, long minute) {
    return "tpm:key:" + key.tokenHash() + ":" + minute;
  }

  private static double dollars(long nanos) {
    return nanos / (double) NANOS_PER_USD;
  }

  private static Optional<Refusal> unavailable(RuntimeException e) {
    LOG.atError().addKeyValue("exception", e.getClass().getName()).log("router.spend.store_unavailable");
    return Optional.of(Refusal.storeUnavailable());
  }
}
