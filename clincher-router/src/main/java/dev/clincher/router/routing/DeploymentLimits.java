package dev.clincher.router.routing;

import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.config.RoutingStrategy;
import dev.clincher.router.ratelimit.Decision;
import dev.clincher.router.ratelimit.RateLimitUnavailableException;
import dev.clincher.router.ratelimit.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code rpm} and {@code tpm} of deployments under {@code usage-based-routing-v2}, counted on the shared
 * sliding-window {@link RateLimiter} (on Redis: exact across every router sharing it) under the subjects
 * {@code rpm:deployment:<id>} and {@code tpm:deployment:<id>}, over the last minute.
 *
 * <p>Only <em>counted</em> groups touch the limiter: under {@code usage-based-routing-v2}, the groups in which some
 * deployment has {@code rpm} or {@code tpm}. Every deployment of a counted group has its tokens recorded, so the
 * selector can rank them by the tokens of the last minute. Other groups, and every group under the other strategies
 * (where {@code rpm}/{@code tpm} are only weights), make no limiter call at all.
 *
 * <p>A limiter that does not answer is reported as {@link Unavailable}: the selector then does not use a deployment
 * whose limits it cannot check (fail closed), as the key limits do.
 */
final class DeploymentLimits {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  static final Duration WINDOW = Duration.ofMinutes(1);

  /** What the limiter said about one deployment. */
  sealed interface Check {}

  /**
   * It may take a request.
   *
   * @param tokens the tokens it used in the last minute (0 when not known: the limiter was not asked)
   */
  record Open(long tokens) implements Check {}

  /** Its rpm or tpm window is full until {@code retryAfter} from now. */
  record Full(Duration retryAfter) implements Check {}

  /** The limiter did not answer. */
  record Unavailable() implements Check {}

  /** No deployment is counted: nothing is ever asked of the limiter. */
  static final DeploymentLimits NONE = new DeploymentLimits(null, Set.of());

  private final RateLimiter limiter;
  private final Set<String> countedGroups;
  private final String instance = UUID.randomUUID().toString().substring(0, 8);
  private final AtomicLong sequence = new AtomicLong();

  private DeploymentLimits(RateLimiter limiter, Set<String> countedGroups) {
    this.limiter = limiter;
    this.countedGroups = countedGroups;
  }

  /** The limits of {@code deployments} under {@code strategy}, counted on {@code limiter}. */
  static DeploymentLimits of(RoutingStrategy strategy, List<DeploymentConfig> deployments, RateLimiter limiter) {
    if (strategy != RoutingStrategy.USAGE_BASED_ROUTING_V2) {
      return NONE;
    }
    Set<String> counted = deployments.stream().filter(DeploymentLimits::limited).map(DeploymentConfig::modelName)
        .collect(Collectors.toUnmodifiableSet());
    return counted.isEmpty() ? NONE : new DeploymentLimits(limiter, counted);
  }

  /** Whether {@code group}'s deployments are checked and counted on the limiter. */
  boolean counts(DeploymentGroup group) {
    return countedGroups.contains(group.modelName());
  }

  /** Whether {@code deployment} has a limit of its own ({@code rpm} or {@code tpm}). */
  static boolean limited(Deployment deployment) {
    return limited(deployment.config());
  }

  private static boolean limited(DeploymentConfig config) {
    return config.rpm() > 0 || config.tpm() > 0;
  }

  /**
   * Before choosing (a deployment of a counted group): whether its tpm has room and, when {@code ranked} (it has
   * rivals to be ranked against), its tokens of the last minute. Its rpm is checked by {@link #admit}, which takes
   * the request's place in the same step. A deployment with neither a tpm nor rivals costs no limiter call.
   */
  Check survey(Deployment deployment, boolean ranked) {
    try {
      if (deployment.config().tpm() == 0) {
        return new Open(ranked ? limiter.used(tpm(deployment), WINDOW) : 0);
      }
      // A cost-0 admission against tpm - 1 records nothing and asks: is there room for one more token (tokens are
      // known only after the answer), and if not, when will there be?
      return check(limiter.admit(tpm(deployment), amount(deployment.config().tpm()) - 1, WINDOW, 0, nextId()));
    } catch (RateLimitUnavailableException e) {
      return unavailable(deployment, e);
    }
  }

  /**
   * Takes one request of {@code deployment}'s rpm, atomically: of two routers racing for the last place, one gets
   * {@link Full}. A deployment without rpm is always {@link Open}, without a limiter call.
   */
  Check admit(Deployment deployment) {
    if (deployment.config().rpm() == 0) {
      return new Open(0);
    }
    try {
      return check(limiter.admit(rpm(deployment), amount(deployment.config().rpm()), WINDOW, 1, nextId()));
    } catch (RateLimitUnavailableException e) {
      return unavailable(deployment, e);
    }
  }

  /**
   * After an answer: its tokens toward {@code deployment}'s tpm, when its group is counted. A limiter that does not
   * answer is logged, not thrown: the answer is out.
   */
  void recordTokens(Deployment deployment, long tokens) {
    if (tokens <= 0 || !countedGroups.contains(deployment.config().modelName())) {
      return;
    }
    try {
      limiter.record(tpm(deployment), WINDOW, amount(tokens), nextId());
    } catch (RateLimitUnavailableException e) {
      LOG.atWarn().addKeyValue("deployment", deployment.id()).addKeyValue("exception", e.getClass().getName())
          .log("router.rate_limit.record_failed");
    }
  }

  private static Check check(Decision decision) {
    return switch (decision) {
      case Decision.Admitted admitted -> new Open(admitted.used());
      case Decision.Refused refused -> new Full(refused.retryAfter());
      case Decision.NeverFits never -> new Full(WINDOW); // not reached: limits are at least 1, costs at most 1
    };
  }

  private static Check unavailable(Deployment deployment, RateLimitUnavailableException e) {
    LOG.atError().addKeyValue("deployment", deployment.id()).addKeyValue("exception", e.getClass().getName())
        .log("router.rate_limit.unavailable");
    return new Unavailable();
  }

  /** An entry's id: unique over routers, so an operator can tell the entries of a window apart. */
  private String nextId() {
    return instance + "-" + sequence.incrementAndGet();
  }

  private static long amount(long value) {
    return Math.min(value, RateLimiter.MAX_AMOUNT);
  }

  private static String rpm(Deployment deployment) {
    return "rpm:deployment:" + deployment.id();
  }

  private static String tpm(Deployment deployment) {
    return "tpm:deployment:" + deployment.id();
  }
}
