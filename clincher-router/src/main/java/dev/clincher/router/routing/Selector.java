package dev.clincher.router.routing;

import dev.clincher.router.config.RoutingStrategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Picks a deployment of a group and takes one of its in-flight slots. Deployments cooling down are skipped; with
 * {@code usage-based-routing-v2} so are those at their rpm/tpm limit for this minute. Deployments not yet tried for
 * this request come first, so a retry moves to another deployment when the group has one.
 */
final class Selector {
  /** The outcome of a pick. */
  sealed interface Pick {}

  /** A deployment whose slot is now held: release it with {@link Deployment#release()}. */
  record Chosen(Deployment deployment) implements Pick {}

  /**
   * Nothing could take the request.
   *
   * @param reason  for the client, e.g. "every deployment is cooling down"
   * @param readyAt when one may be free again (nanoTime), or empty when that is unknown (at capacity)
   */
  record Unavailable(String reason, Optional<Long> readyAt) implements Pick {}

  private final RoutingStrategy strategy;
  private final RandomGenerator random;

  Selector(RoutingStrategy strategy, RandomGenerator random) {
    this.strategy = strategy;
    this.random = random;
  }

  Pick pick(DeploymentGroup group, Set<Deployment> tried, long now) {
    List<Deployment> usable = usable(group, now);
    List<Deployment> fresh = new ArrayList<>(usable.stream().filter(d -> !tried.contains(d)).toList());
    List<Deployment> again = new ArrayList<>(usable.stream().filter(tried::contains).toList());
    for (List<Deployment> candidates : List.of(fresh, again)) {
      while (!candidates.isEmpty()) {
        Deployment choice = choose(candidates, now);
        if (choice.tryAcquire(now)) {
          return new Chosen(choice);
        }
        candidates.remove(choice);
      }
    }
    return unavailable(group, usable, now);
  }

  private List<Deployment> usable(DeploymentGroup group, long now) {
    return group.deployments().stream()
        .filter(d -> !d.coolingDown(now))
        .filter(d -> strategy != RoutingStrategy.USAGE_BASED_ROUTING_V2 || d.underLimits(now))
        .toList();
  }

  private Deployment choose(List<Deployment> candidates, long now) {
    return switch (strategy) {
      case SIMPLE_SHUFFLE -> weightedRandom(candidates);
      case USAGE_BASED_ROUTING_V2 -> lowest(candidates, d -> d.tokensThisMinute(now));
      case LEAST_BUSY -> lowest(candidates, Deployment::inFlight);
      case LATENCY_BASED_ROUTING -> lowest(candidates, Deployment::latencyNanos);
    };
  }

  /** The candidate with the lowest {@code measure}; ties are broken at random so load still spreads. */
  private Deployment lowest(List<Deployment> candidates, java.util.function.ToLongFunction<Deployment> measure) {
    long best = candidates.stream().mapToLong(measure).min().orElseThrow();
    List<Deployment> tied = candidates.stream().filter(d -> measure.applyAsLong(d) == best).toList();
    return tied.get(random.nextInt(tied.size()));
  }

  /** LiteLLM's simple-shuffle: weight, else rpm, else tpm, else equal chances. */
  private Deployment weightedRandom(List<Deployment> candidates) {
    double total = 0;
    for (Deployment d : candidates) {
      total += weight(d);
    }
    double point = random.nextDouble() * total;
    for (Deployment d : candidates) {
      point -= weight(d);
      if (point < 0) {
        return d;
      }
    }
    return candidates.get(candidates.size() - 1);
  }

  static double weight(Deployment d) {
    if (d.config().weight() > 0) {
      return d.config().weight();
    }
    if (d.config().rpm() > 0) {
      return d.config().rpm();
    }
    return d.config().tpm() > 0 ? d.config().tpm() : 1;
  }

  private Unavailable unavailable(DeploymentGroup group, List<Deployment> usable, long now) {
    if (!usable.isEmpty()) {
      return new Unavailable("every deployment of " + group.modelName() + " is at its limit of requests in flight",
          Optional.empty());
    }
    Optional<Long> readyAt = group.deployments().stream()
        .map(d -> d.coolingDown(now) ? d.coolUntil() : d.windowEnd())
        .min(Comparator.comparingLong(at -> at - now));
    boolean cooling = group.deployments().stream().anyMatch(d -> d.coolingDown(now));
    return new Unavailable(cooling
        ? "every deployment of " + group.modelName() + " is cooling down after failures"
        : "every deployment of " + group.modelName() + " is at its rpm/tpm limit for this minute", readyAt);
  }
}
