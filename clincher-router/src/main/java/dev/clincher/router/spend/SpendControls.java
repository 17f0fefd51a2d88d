package dev.clincher.router.spend;

import dev.clincher.router.keys.InternalUser;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.metering.BudgetPeriod;
import dev.clincher.router.metering.GlobalBudget;
import dev.clincher.router.metering.Price;
import dev.clincher.router.metering.Usage;
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
 * {@code spend:key:<sha256>:<window>} and {@code :total}, {@code spend:team:<sha256 of the id>:...} and
 * {@code spend:user:<sha256 of the id>:...} (the key's team and internal user), {@code spend:global:...},
 * {@code spend:end_user:...}.
 * Window counters expire a day after their window ends. Rate limits are {@code ratelimit.RateLimits}'.
 *
 * <p>Budgets hold under concurrency: before each attempt of a model call, its worst-case cost ({@link CallEstimate})
 * is {@link #reserve}d on every budget that applies — the key's, its team's, its internal user's, the end user's,
 * the global one ({@code litellm_settings.max_budget}), the deployment's — atomically against their limits; after the answer it is {@link #settle}d to the actual
 * cost, and on failure {@link #release}d. So calls in flight can never together spend more than a budget (LiteLLM
 * checks before and charges after, so every call in flight passes the check). Before routing, a key already over its
 * budget and a group whose every deployment is over its budget are refused at once.
 */
public final class SpendControls {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  public static final long NANOS_PER_USD = 1_000_000_000L;
  private static final Duration GRACE = Duration.ofDays(1);

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

  /**
   * One attempt's hold on its budgets, from {@link #reserve} until {@link #settle} or {@link #release}.
   *
   * @param id         unique per attempt
   * @param deploymentId the deployment it was reserved for
   * @param payer      who is charged: the caller's virtual key, the request's end user
   * @param holds      what is held, counter by counter
   * @param worstNanos the reserved worst-case cost
   */
  public record Lease(String id, String deploymentId, Payer payer, List<SpendStore.Hold> holds, long worstNanos) {}

  /** What {@link #reserve} answered: a lease, or a refusal (from the key's or the global budget: {@code final}). */
  public sealed interface Reservation permits Reserved, Refused {}

  public record Reserved(Lease lease) implements Reservation {}

  /**
   * @param deploymentOnly only this deployment's budget did not fit: another deployment may serve the call
   */
  public record Refused(Refusal refusal, boolean deploymentOnly) implements Reservation {}

  /** Leases outlive a call by this much; a router that dies holding one lets it go after its lifetime. */
  public static final Duration LEASE_MARGIN = Duration.ofMinutes(1);

  private final SpendStore store;
  private final Clock clock;
  private final Map<String, DeploymentCost> deployments;
  private final Optional<GlobalBudget> global;
  private final OptionalDouble endUserBudget;

  public SpendControls(SpendStore store, Clock clock, List<DeploymentCost> deployments) {
    this(store, clock, deployments, Optional.empty(), OptionalDouble.empty());
  }

  /**
   * @param global        {@code litellm_settings.max_budget} and {@code budget_duration}
   * @param endUserBudget {@code litellm_settings.max_end_user_budget}: USD per end user (the request's {@code user})
   *                      and calendar month
   */
  public SpendControls(SpendStore store, Clock clock, List<DeploymentCost> deployments,
      Optional<GlobalBudget> global, OptionalDouble endUserBudget) {
    this.store = store;
    this.clock = clock;
    Map<String, DeploymentCost> byId = new java.util.HashMap<>();
    deployments.forEach(d -> byId.put(d.deploymentId(), d));
    this.deployments = Map.copyOf(byId);
    this.global = global;
    this.endUserBudget = endUserBudget;
  }

  /** Whether any budget applies to a call of {@code payer} on {@code deploymentId} (its output then needs a limit). */
  public boolean budgeted(Payer payer, String deploymentId) {
    DeploymentCost cost = deployments.get(deploymentId);
    return global.isPresent() || (payer.key().isPresent() && payer.key().get().maxBudget().isPresent())
        || payer.team().filter(team -> team.maxBudget().isPresent()).isPresent()
        || payer.user().filter(user -> user.maxBudget().isPresent()).isPresent()
        || (payer.endUser().isPresent() && endUserBudget.isPresent())
        || (cost != null && cost.maxBudget().isPresent());
  }

  /**
   * Reserves {@code worst}'s cost on {@code deploymentId} against every budget that applies, for at most
   * {@code lifetime} (then a dead router's hold is let go). A refusal names the budget, what it has spent and
   * holds, and what this call could cost.
   */
  public Reservation reserve(String leaseId, Payer payer, String deploymentId, Usage worst, Duration lifetime) {
    if (!budgeted(payer, deploymentId)) {
      return new Reserved(new Lease(leaseId, deploymentId, payer, List.of(), 0));
    }
    DeploymentCost cost = deployments.get(deploymentId);
    if (cost == null || cost.price().isEmpty()) {
      return new Refused(Refusal.missingPrice(deploymentId, cost == null ? "?" : cost.modelName()), false);
    }
    long worstNanos = (long) Math.ceil(cost.price().get().worstCost(worst) * NANOS_PER_USD);
    Instant now = clock.instant();
    List<Limit> limits = limits(payer, cost, now);
    List<SpendStore.Hold> holds = limits.stream().map(limit -> new SpendStore.Hold(limit.counter(), worstNanos,
        limit.maxNanos())).toList();
    try {
      Optional<SpendStore.Shortfall> shortfall = store.reserve(leaseId, holds, lifetime.plus(LEASE_MARGIN));
      if (shortfall.isEmpty()) {
        return new Reserved(new Lease(leaseId, deploymentId, payer, holds, worstNanos));
      }
      Limit limit = limits.get(shortfall.get().index());
      return new Refused(limit.refusal(shortfall.get().spentAndHeld(), worstNanos, now), limit.deploymentOnly());
    } catch (RuntimeException e) {
      return new Refused(unavailable(e).orElseThrow(), false);
    }
  }

  /** A budget a call reserves against: its counter, its limit, and how to say it is exhausted. */
  private record Limit(String counter, long maxNanos, String scope, String what, Optional<BudgetPeriod> period,
      boolean deploymentOnly) {
    Refusal refusal(long spentAndHeld, long worstNanos, Instant now) {
      String message = "Budget has been exceeded! " + what + " Current cost: " + usd(dollars(spentAndHeld))
          + " (spent and reserved by calls in flight), Max budget: " + usd(dollars(maxNanos))
          + period.map(p -> " per " + p.text()).orElse("") + "; this call could cost up to "
          + usd(dollars(worstNanos));
      return Refusal.budget(scope, message, period.map(p -> p.window(now).remaining(now)));
    }
  }

  /** The budgets of a call, the caller's first: key, team, internal user, end user, global, deployment. */
  private List<Limit> limits(Payer payer, DeploymentCost cost, Instant now) {
    List<Limit> limits = new ArrayList<>(6);
    payer.key().filter(k -> k.maxBudget().isPresent()).ifPresent(k -> limits.add(new Limit(keyBudgetCounter(k, now),
        nanos(k.maxBudget().getAsDouble()), "key_budget", "Key=" + k.keyName() + ".", k.budgetDuration(), false)));
    payer.team().filter(team -> team.maxBudget().isPresent()).ifPresent(team -> limits.add(new Limit(
        budgetCounter(teamPrefix(team.teamId()), team.budgetDuration(), now), nanos(team.maxBudget().getAsDouble()),
        "team_budget", "Team=" + team.teamId() + ".", team.budgetDuration(), false)));
    payer.user().filter(user -> user.maxBudget().isPresent()).ifPresent(user -> limits.add(new Limit(
        budgetCounter(userPrefix(user.userId()), user.budgetDuration(), now), nanos(user.maxBudget().getAsDouble()),
        "user_budget", "User=" + user.userId() + ".", user.budgetDuration(), false)));
    if (payer.endUser().isPresent() && endUserBudget.isPresent()) {
      limits.add(new Limit(endUserCounter(payer.endUser().get(), now), nanos(endUserBudget.getAsDouble()),
          "end_user_budget", "End user.", Optional.of(BudgetPeriod.MONTHLY), false));
    }
    global.ifPresent(g -> limits.add(new Limit(globalCounter(g, now), nanos(g.maxBudget()), "global_budget",
        "Global.", g.period(), false)));
    if (cost.maxBudget().isPresent()) {
      limits.add(new Limit("spend:deployment:" + cost.deploymentId() + ":" + cost.period().window(now).id(),
          nanos(cost.maxBudget().getAsDouble()), "model_budget", "Model=" + cost.modelName() + ".",
          Optional.of(cost.period()), true));
    }
    return limits;
  }

  /**
   * Ends {@code lease} with the call's actual {@code usage}: the holds go, the actual cost is counted on every
   * counter (deployment, model group, key, global, end user). Returns the cost in USD,
   * empty when the deployment's price is unknown. A store failure is logged, not thrown (the answer is on its way).
   */
  public Optional<Double> settle(Lease lease, Usage usage) {
    Optional<Double> cost = cost(lease.deploymentId(), usage);
    try {
      store.settle(lease.id(), lease.holds(), increments(lease.payer(), lease.deploymentId(), usage, cost));
    } catch (RuntimeException e) {
      LOG.atWarn().addKeyValue("deployment", lease.deploymentId()).addKeyValue("exception", e.getClass().getName())
          .log("router.spend.settle_failed");
    }
    return cost;
  }

  /** Ends {@code lease} of an attempt that failed: nothing was spent. */
  public void release(Lease lease) {
    if (lease.holds().isEmpty()) {
      return;
    }
    try {
      store.settle(lease.id(), lease.holds(), List.of());
    } catch (RuntimeException e) {
      LOG.atWarn().addKeyValue("deployment", lease.deploymentId()).addKeyValue("exception", e.getClass().getName())
          .log("router.spend.release_failed");
    }
  }

  /** The store's health, for readiness. */
  public boolean storeReachable() {
    return store.reachable();
  }

  /** Refuses a virtual key already over its budget before a model call (reservations then refuse the rest). */
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
   * Refills empty counters from {@code history} after a restart (counters in memory die with the process; the spend
   * log does not): every key's, team's, deployment's, model group's and the global total, the current window of every
   * budget, an internal user's spend (the sum of its keys' rows), and this month's end-user spend.
   */
  public void rebuild(SpendHistory history, java.util.Collection<VirtualKey> keys, java.util.Collection<Team> teams,
      java.util.Collection<InternalUser> users) {
    Instant now = clock.instant();
    List<SpendStore.Increment> increments = new ArrayList<>();
    rebuildTeams(history, teams, now, increments);
    rebuildUsers(history, keys, users, now, increments);
    history.costSince(Instant.EPOCH, SpendHistory.By.KEY).forEach((hash, nanos) -> increments.add(
        new SpendStore.Increment("spend:key:" + hash + ":total", nanos, Duration.ZERO)));
    for (VirtualKey key : keys) {
      key.budgetDuration().ifPresent(period -> {
        long nanos = history.costSince(period.window(now).start(), SpendHistory.By.KEY).getOrDefault(key.tokenHash(),
            0L);
        increments.add(windowed("spend:key:" + key.tokenHash(), period, nanos, now));
      });
    }
    Map<String, Long> byDeployment = history.costSince(Instant.EPOCH, SpendHistory.By.DEPLOYMENT);
    Map<String, Long> byModel = new java.util.HashMap<>();
    byDeployment.forEach((id, nanos) -> {
      increments.add(new SpendStore.Increment("spend:deployment:" + id + ":total", nanos, Duration.ZERO));
      DeploymentCost cost = deployments.get(id);
      if (cost != null) {
        byModel.merge(cost.modelName(), nanos, Long::sum);
        long window = history.costSince(cost.period().window(now).start(), SpendHistory.By.DEPLOYMENT)
            .getOrDefault(id, 0L);
        increments.add(windowed("spend:deployment:" + id, cost.period(), window, now));
      }
    });
    byModel.forEach((model, nanos) -> increments.add(new SpendStore.Increment("spend:model:" + model + ":total", nanos,
        Duration.ZERO)));
    increments.add(new SpendStore.Increment("spend:global:total", history.totalSince(Instant.EPOCH), Duration.ZERO));
    global.flatMap(GlobalBudget::period).ifPresent(period -> increments.add(windowed("spend:global", period,
        history.totalSince(period.window(now).start()), now)));
    if (endUserBudget.isPresent()) {
      history.costSince(BudgetPeriod.MONTHLY.window(now).start(), SpendHistory.By.END_USER).forEach((user, nanos) ->
          increments.add(new SpendStore.Increment(endUserCounter(user, now), nanos,
              BudgetPeriod.MONTHLY.window(now).remaining(now).plus(GRACE))));
    }
    store.addAll(increments.stream().filter(increment -> increment.delta() != 0).toList());
    LOG.atInfo().addKeyValue("counters", increments.size()).log("router.spend.rebuilt");
  }

  private static void rebuildTeams(SpendHistory history, java.util.Collection<Team> teams, Instant now,
      List<SpendStore.Increment> increments) {
    Map<String, Long> total = history.costSince(Instant.EPOCH, SpendHistory.By.TEAM);
    for (Team team : teams) {
      String prefix = teamPrefix(team.teamId());
      increments.add(new SpendStore.Increment(prefix + ":total", total.getOrDefault(team.teamId(), 0L), Duration.ZERO));
      team.budgetDuration().ifPresent(period -> increments.add(windowed(prefix, period,
          history.costSince(period.window(now).start(), SpendHistory.By.TEAM).getOrDefault(team.teamId(), 0L), now)));
    }
  }

  /** A user's spend is its keys' (rows name keys, not users): the keys of users deleted since are not counted. */
  private static void rebuildUsers(SpendHistory history, java.util.Collection<VirtualKey> keys,
      java.util.Collection<InternalUser> users, Instant now, List<SpendStore.Increment> increments) {
    if (users.isEmpty()) {
      return;
    }
    Map<String, Long> total = history.costSince(Instant.EPOCH, SpendHistory.By.KEY);
    for (InternalUser user : users) {
      List<VirtualKey> owned = keys.stream().filter(k -> k.userId().equals(Optional.of(user.userId()))).toList();
      String prefix = userPrefix(user.userId());
      increments.add(new SpendStore.Increment(prefix + ":total",
          owned.stream().mapToLong(k -> total.getOrDefault(k.tokenHash(), 0L)).sum(), Duration.ZERO));
      user.budgetDuration().ifPresent(period -> {
        Map<String, Long> window = history.costSince(period.window(now).start(), SpendHistory.By.KEY);
        increments.add(windowed(prefix, period, owned.stream().mapToLong(k -> window.getOrDefault(k.tokenHash(), 0L))
            .sum(), now));
      });
    }
  }

  /**
   * Records one answered call without a reservation (a call no budget applied to at reserve time): as
   * {@link #settle} without holds.
   */
  public Optional<Double> record(Optional<VirtualKey> key, String deploymentId, Usage usage) {
    return settle(new Lease("record-" + java.util.UUID.randomUUID(), deploymentId, Payer.of(key), List.of(), 0),
        usage);
  }

  /** The counters one answered call adds to: its cost everywhere it is counted. */
  private List<SpendStore.Increment> increments(Payer payer, String deploymentId, Usage usage,
      Optional<Double> cost) {
    Optional<VirtualKey> key = payer.key();
    Instant now = clock.instant();
    List<SpendStore.Increment> increments = new ArrayList<>();
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
      payer.team().ifPresent(team -> owner(increments, teamPrefix(team.teamId()), team.budgetDuration(), nanos, now));
      payer.user().ifPresent(user -> owner(increments, userPrefix(user.userId()), user.budgetDuration(), nanos, now));
      increments.add(new SpendStore.Increment("spend:global:total", nanos, Duration.ZERO));
      if (payer.endUser().isPresent() && endUserBudget.isPresent()) { // counted only under a budget: bounded
        BudgetPeriod.Window window = BudgetPeriod.MONTHLY.window(now);
        increments.add(new SpendStore.Increment(endUserCounter(payer.endUser().get(), now), nanos,
            window.remaining(now).plus(GRACE)));
      }
      global.flatMap(GlobalBudget::period).ifPresent(period -> increments.add(windowed("spend:global", period, nanos,
          now)));
    }
    return increments;
  }

  /** A team's or user's spend: its total, and its budget's current window when the budget resets. */
  private static void owner(List<SpendStore.Increment> increments, String prefix, Optional<BudgetPeriod> period,
      long nanos, Instant now) {
    increments.add(new SpendStore.Increment(prefix + ":total", nanos, Duration.ZERO));
    period.ifPresent(p -> increments.add(windowed(prefix, p, nanos, now)));
  }

  /** The counter a budget is checked against: its current window when it resets, else the total. */
  private static String budgetCounter(String prefix, Optional<BudgetPeriod> period, Instant now) {
    return period.map(p -> prefix + ":" + p.window(now).id()).orElse(prefix + ":total");
  }

  /** A team's counters; the id is hashed (any text up to 256 characters). */
  private static String teamPrefix(String teamId) {
    return "spend:team:" + VirtualKey.hash(teamId);
  }

  /** An internal user's counters; the id is hashed. */
  private static String userPrefix(String userId) {
    return "spend:user:" + VirtualKey.hash(userId);
  }

  /** A team's spend toward its budget: in the current window with a {@code budget_duration}, else in total (USD). */
  public double teamSpend(Team team) {
    return dollars(store.get(budgetCounter(teamPrefix(team.teamId()), team.budgetDuration(), clock.instant())));
  }

  /** An internal user's spend toward its budget, as {@link #teamSpend} (USD). */
  public double userSpend(InternalUser user) {
    return dollars(store.get(budgetCounter(userPrefix(user.userId()), user.budgetDuration(), clock.instant())));
  }

  private String keyBudgetCounter(VirtualKey key, Instant now) {
    return key.budgetDuration().map(period -> "spend:key:" + key.tokenHash() + ":" + period.window(now).id())
        .orElse("spend:key:" + key.tokenHash() + ":total");
  }

  /** An end user's spend this calendar month; the id is hashed (any text, possibly personal). */
  private static String endUserCounter(String endUser, Instant now) {
    return "spend:end_user:" + VirtualKey.hash(endUser) + ":" + BudgetPeriod.MONTHLY.window(now).id();
  }

  /** An end user's spend toward {@code litellm_settings.max_end_user_budget} this month (USD). */
  public double endUserSpend(String endUser) {
    return dollars(store.get(endUserCounter(endUser, clock.instant())));
  }

  private static String globalCounter(GlobalBudget budget, Instant now) {
    return budget.period().map(period -> "spend:global:" + period.window(now).id()).orElse("spend:global:total");
  }

  /** Every call's spend toward the global budget (USD): in the current window with a duration, else in total. */
  public double globalSpend() {
    return dollars(store.get(global.map(g -> globalCounter(g, clock.instant())).orElse("spend:global:total")));
  }

  private static SpendStore.Increment windowed(String prefix, BudgetPeriod period, long nanos, Instant now) {
    BudgetPeriod.Window window = period.window(now);
    return new SpendStore.Increment(prefix + ":" + window.id(), nanos, window.remaining(now).plus(GRACE));
  }

  /** A key's spend toward its budget: in the current window with a {@code budget_duration}, else in total (USD). */
  public double keySpend(VirtualKey key) {
    return dollars(store.get(keyBudgetCounter(key, clock.instant())));
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

  private static long nanos(double dollars) {
    return Math.round(dollars * NANOS_PER_USD);
  }

  private static double dollars(long nanos) {
    return nanos / (double) NANOS_PER_USD;
  }

  private static Optional<Refusal> unavailable(RuntimeException e) {
    LOG.atError().addKeyValue("exception", e.getClass().getName()).log("router.spend.store_unavailable");
    return Optional.of(Refusal.storeUnavailable());
  }
}
