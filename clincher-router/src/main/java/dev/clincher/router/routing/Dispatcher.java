package dev.clincher.router.routing;

import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.config.ErrorKind;
import dev.clincher.router.config.ModelAliases;
import dev.clincher.router.config.RouterConfig;
import dev.clincher.router.provider.ProviderException;
import dev.clincher.router.ratelimit.InMemoryRateLimiter;
import dev.clincher.router.ratelimit.RateLimiter;
import dev.clincher.router.spend.Refusal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.random.RandomGenerator;

/**
 * Routes one request to a deployment of its group and retries: admission (the router's bound on requests in flight),
 * selection ({@link Selector}), the call, and on a retryable failure a backoff and another attempt, preferring a
 * deployment not tried yet. A {@code Retry-After} from the provider cools that deployment down for that long; when
 * every deployment is cooling, the retry waits for the first to come back (at most {@link #MAX_WAIT}). How many
 * retries an error gets: the {@code retry_policy} value for its {@link ErrorKinds kind} when a policy names it, else
 * {@code num_retries} for retryable errors (rate limits, timeouts, server errors, connection failures), else none.
 * Under {@code usage-based-routing-v2} the deployments' rpm and tpm are checked and counted on the shared
 * {@link RateLimiter} ({@link DeploymentLimits}): each attempt sent to a deployment with an rpm takes a place in its
 * window, and {@link #recordTokens} counts an answer's tokens toward its tpm.
 *
 * <p>Retries happen only inside {@link #dispatch}: once it returns, nothing is retried, so a caller that starts
 * streaming to its client after {@code dispatch} returns can never send a client a second answer.
 */
public final class Dispatcher {
  /** Longest wait for a cooling deployment before giving up on a retry. */
  public static final Duration MAX_WAIT = Duration.ofSeconds(30);
  /** First backoff; doubles per retry, up to {@link #MAX_BACKOFF}. */
  static final Duration BASE_BACKOFF = Duration.ofMillis(200);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(8);

  /** One call to one deployment. */
  @FunctionalInterface
  public interface Attempt<T> {
    T call(Deployment deployment) throws ProviderException, InterruptedException;
  }

  /** Called after each failed attempt (for logs and metrics). */
  @FunctionalInterface
  public interface FailureListener {
    void failed(Deployment deployment, ProviderException error, boolean willRetry);
  }

  private final Map<String, DeploymentGroup> groups;
  private final ModelAliases aliases;
  private final RouterConfig.RoutingSettings settings;
  private final DeploymentLimits limits;
  private final Selector selector;
  private final Semaphore admission;
  private final int maxInFlight;
  private final RandomGenerator random;

  /**
   * Groups {@code deployments} by model name, in file order; no aliases; deployments' rpm and tpm counted in this
   * process.
   */
  public Dispatcher(List<DeploymentConfig> deployments, RouterConfig.RoutingSettings settings, int maxInFlight,
      RandomGenerator random) {
    this(deployments, settings, ModelAliases.NONE, maxInFlight, new InMemoryRateLimiter(Clock.systemUTC()), random);
  }

  /**
   * Groups {@code deployments} by model name, in file order; {@code aliases} name groups too; under
   * {@code usage-based-routing-v2} the deployments' rpm and tpm are counted on {@code limiter}.
   */
  public Dispatcher(List<DeploymentConfig> deployments, RouterConfig.RoutingSettings settings, ModelAliases aliases,
      int maxInFlight, RateLimiter limiter, RandomGenerator random) {
    this.groups = group(deployments);
    this.aliases = aliases;
    this.settings = settings;
    this.limits = DeploymentLimits.of(settings.strategy(), deployments, limiter);
    this.selector = new Selector(settings.strategy(), limits, random);
    this.admission = new Semaphore(maxInFlight);
    this.maxInFlight = maxInFlight;
    this.random = random;
  }

  private static Map<String, DeploymentGroup> group(List<DeploymentConfig> deployments) {
    long now = System.nanoTime();
    Map<String, List<Deployment>> byName = new LinkedHashMap<>();
    for (DeploymentConfig config : deployments) {
      byName.computeIfAbsent(config.modelName(), name -> new ArrayList<>()).add(new Deployment(config, now));
    }
    Map<String, DeploymentGroup> groups = new LinkedHashMap<>();
    byName.forEach((name, members) -> groups.put(name, new DeploymentGroup(name, members)));
    return Map.copyOf(groups);
  }

  /** The group serving {@code modelName} (a model_name or an alias of one), if any. */
  public Optional<DeploymentGroup> group(String modelName) {
    return Optional.ofNullable(groups.get(modelName)).or(() -> aliases.group(modelName).map(groups::get));
  }

  /** The model_group_alias names. */
  public ModelAliases aliases() {
    return aliases;
  }

  /** Every public model name, in file order. */
  public List<String> modelNames() {
    return groups.keySet().stream().sorted().toList();
  }

  /**
   * The model groups that cannot take a request now because every deployment is cooling down after an outage (not a
   * rate limit or budget: those are limits, not faults), for readiness: each as
   * {@code name (deployment: last cause, …)}, by name.
   */
  public List<String> groupsCoolingDown() {
    long now = System.nanoTime();
    List<String> cooling = new ArrayList<>();
    for (DeploymentGroup group : groups.values()) {
      if (group.deployments().stream().allMatch(deployment -> deployment.downAfterOutage(now))) {
        cooling.add(group.modelName() + " (" + String.join(", ", group.deployments().stream()
            .map(deployment -> deployment.id() + ": " + deployment.lastFailure()).toList()) + ")");
      }
    }
    return cooling.stream().sorted().toList();
  }

  /** Requests in flight now, over all deployments. */
  public int inFlight() {
    return maxInFlight - admission.availablePermits();
  }

  /**
   * Runs {@code attempt} on a deployment of {@code group}, retrying per the settings.
   *
   * @throws RoutingException  when the router or the group has no room (answer 429)
   * @throws ProviderException the last provider error when no attempt succeeded; before any attempt, a 503
   *                           {@code spend_store_unavailable} when the rate-limit store did not answer for the
   *                           deployments with limits (fail closed)
   */
  public <T> Routed<T> dispatch(DeploymentGroup group, Attempt<T> attempt, FailureListener listener)
      throws RoutingException, ProviderException, InterruptedException {
    if (!admission.tryAcquire()) {
      throw new RoutingException("the router is at its limit of " + maxInFlight + " requests in flight",
          Optional.of(Duration.ofSeconds(1)));
    }
    boolean handedOver = false;
    try {
      Routed<T> routed = retrying(group, attempt, listener);
      handedOver = true;
      return routed;
    } finally {
      if (!handedOver) {
        admission.release();
      }
    }
  }

  private <T> Routed<T> retrying(DeploymentGroup group, Attempt<T> attempt, FailureListener listener)
      throws RoutingException, ProviderException, InterruptedException {
    Set<Deployment> tried = new HashSet<>();
    ProviderException last = null;
    int retriesUsed = 0;
    boolean waited = false;
    long waitedNanos = 0;
    while (true) {
      Selector.Pick pick = selector.pick(group, tried, System.nanoTime());
      if (pick instanceof Selector.LimiterUnavailable down) {
        throw last != null ? last : storeUnavailable(down.reason());
      }
      if (pick instanceof Selector.Unavailable unavailable) {
        Optional<Duration> wait = unavailable.readyAt().map(at -> Duration.ofNanos(Math.max(0, at - System.nanoTime())));
        boolean mayWait = !waited && (last != null || settings.numRetries() > 0);
        if (mayWait && wait.isPresent() && wait.get().compareTo(MAX_WAIT) <= 0) {
          waitedNanos += sleep(wait.get());
          waited = true;
          continue;
        }
        if (last != null) {
          throw last;
        }
        throw new RoutingException(unavailable.reason(), wait.map(d -> d.plusMillis(999 - d.toMillisPart() % 1000)));
      }
      Deployment deployment = ((Selector.Chosen) pick).deployment();
      waited = false;
      tried.add(deployment);
      boolean succeeded = false;
      long started = System.nanoTime();
      try {
        T value = attempt.call(deployment);
        succeeded = true;
        deployment.recordLatency(System.nanoTime() - started);
        return new Routed<>(deployment, value, retriesUsed + 1, waitedNanos, () -> {
          deployment.release();
          admission.release();
        });
      } catch (ProviderException e) {
        boolean willRetry = retriesUsed < retries(group, e);
        if (e.retryable()) {
          coolDown(deployment, e);
        }
        listener.failed(deployment, e, willRetry);
        if (!willRetry) {
          throw e;
        }
        last = e;
        retriesUsed++;
      } finally {
        if (!succeeded) {
          deployment.release();
        }
      }
      waitedNanos += sleep(backoff(retriesUsed));
    }
  }

  /**
   * Counts an answer's {@code tokens} toward {@code deployment}'s tpm (under {@code usage-based-routing-v2}, when its
   * group has rpm or tpm; else nothing). A limiter that does not answer is logged: the answer is out.
   */
  public void recordTokens(Deployment deployment, long tokens) {
    limits.recordTokens(deployment, tokens);
  }

  /** The answer the key limits give when their store is down (503, {@code Retry-After}), naming this cause. */
  private static ProviderException storeUnavailable(String reason) {
    Refusal refusal = Refusal.storeUnavailable();
    return new ProviderException(refusal.status(), refusal.type(), refusal.code(), reason, refusal.retryAfter());
  }

  /** Retries allowed for {@code error}: its retry policy's value, else num_retries if retryable, else none. */
  private int retries(DeploymentGroup group, ProviderException error) {
    Optional<ErrorKind> kind = ErrorKinds.of(error);
    OptionalInt policy = kind.isPresent() ? settings.policyRetries(group.modelName(), kind.get()) : OptionalInt.empty();
    return policy.orElse(error.retryable() ? settings.numRetries() : 0);
  }

  private void coolDown(Deployment deployment, ProviderException error) {
    if (settings.cooldowns() || error.retryAfter().isPresent()) {
      deployment.recordFailure(System.nanoTime(), error.retryAfter(), settings.allowedFails(), settings.cooldownTime(),
          error.code() != null ? error.code() : error.type(), error.status() != 429);
    }
  }

  /** {@code 200 ms * 2^(retry-1)}, at most 8 s, at least {@code retry_after}, with ±20 % jitter. */
  Duration backoff(int retry) {
    long base = Math.min(MAX_BACKOFF.toMillis(), BASE_BACKOFF.toMillis() << Math.min(retry - 1, 10));
    long jittered = Math.round(base * (0.8 + 0.4 * random.nextDouble()));
    return Duration.ofMillis(Math.max(jittered, settings.retryAfter().toMillis()));
  }

  /** Sleeps and returns the nanoseconds slept. */
  private static long sleep(Duration duration) throws InterruptedException {
    long start = System.nanoTime();
    if (!duration.isZero() && !duration.isNegative()) {
      Thread.sleep(duration);
    }
    return System.nanoTime() - start;
  }
}
