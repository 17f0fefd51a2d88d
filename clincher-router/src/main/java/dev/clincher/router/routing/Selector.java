package dev.clincher.router.routing;

import dev.clincher.router.config.RoutingStrategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.random.RandomGenerator;

/**
 * Picks a deployment of a group and takes one of its in-flight slots. Deployments cooling down are skipped; under
 * {@code usage-based-routing-v2} so are those whose rpm or tpm window is full on the shared limiter
 * ({@link DeploymentLimits}), and taking a deployment with an rpm takes the request's place in its window. Deployments
 * not yet tried for this request come first, so a retry moves to another deployment when the group has one.
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

  /** Nothing could take the request because the limiter did not answer for the deployments with limits. */
  record LimiterUnavailable(String reason) implements Pick {}

  private final RoutingStrategy strategy;
  private final DeploymentLimits limits;
  private final RandomGenerator random;

  Selector(RoutingStrategy strategy, DeploymentLimits limits, RandomGenerator random) {
    this.strategy = strategy;
    this.limits = limits;
    this.random = random;
  }

  Pick pick(DeploymentGroup group, Set<Deployment> tried, long now) {
    Survey survey = survey(group, now);
    List<Deployment> fresh = new ArrayList<>(survey.open.stream().filter(d -> !tried.contains(d)).toList());
    List<Deployment> again = new ArrayList<>(survey.open.stream().filter(tried::contains).toList());
    for (List<Deployment> candidates : List.of(fresh, again)) {
      while (!candidates.isEmpty()) {
        Deployment choice = choose(candidates, survey);
        if (take(choice, survey, now)) {
          return new Chosen(choice);
        }
        candidates.remove(choice);
      }
    }
    return survey.unavailable(group.modelName());
  }

  /**
   * What one pick learns about a group: the deployments that may serve ({@code open}), their tokens of the last
   * minute (counted groups), and why the others may not.
   */
  private static final class Survey {
    final boolean counted;
    final List<Deployment> open = new ArrayList<>();
    final Map<Deployment, Long> tokens = new HashMap<>();
    boolean busy;
    boolean cooling;
    boolean full;
    boolean limiterDown;
    Optional<Long> readyAt = Optional.empty();

    Survey(boolean counted) {
      this.counted = counted;
    }

    /** Notes why a deployment may not serve: its window is full, or the limiter did not answer. */
    void closed(DeploymentLimits.Check check, long now) {
      if (check instanceof DeploymentLimits.Full window) {
        full = true;
        readyAt(now + window.retryAfter().toNanos(), now);
      } else if (check instanceof DeploymentLimits.Unavailable) {
        limiterDown = true;
      }
    }

    /** A deployment that cannot serve before {@code at} (nanoTime). */
    void readyAt(long at, long now) {
      if (readyAt.isEmpty() || at - now < readyAt.get() - now) {
        readyAt = Optional.of(at);
      }
    }

    Pick unavailable(String modelName) {
      if (busy) {
        return new Unavailable("every deployment of " + modelName + " is at its limit of requests in flight",
            Optional.empty());
      }
      if (limiterDown) {
        return new LimiterUnavailable("the rpm/tpm limits of " + modelName + "'s deployments cannot be checked "
            + "right now: the rate-limit store is unavailable");
      }
      return new Unavailable(cooling
          ? "every deployment of " + modelName + " is cooling down after failures"
          : "every deployment of " + modelName + " is at its rpm/tpm limit for this minute", readyAt);
    }
  }

  /**
   * Leaves out deployments cooling down and, in a counted group, those whose tpm window is full or whose limits
   * cannot be checked. Once the limiter fails, it is not asked again in this pick.
   */
  private Survey survey(DeploymentGroup group, long now) {
    Survey survey = new Survey(limits.counts(group));
    for (Deployment d : group.deployments()) {
      if (d.coolingDown(now)) {
        survey.cooling = true;
        survey.readyAt(d.coolUntil(), now);
        continue;
      }
      if (!survey.counted) {
        survey.open.add(d);
        continue;
      }
      DeploymentLimits.Check check = survey.limiterDown ? new DeploymentLimits.Unavailable()
          : limits.survey(d, group.deployments().size() > 1);
      if (check instanceof DeploymentLimits.Open open) {
        survey.open.add(d);
        survey.tokens.put(d, open.tokens());
      } else {
        survey.closed(check, now);
        if (check instanceof DeploymentLimits.Unavailable && !DeploymentLimits.limited(d)) {
          survey.open.add(d); // nothing of its own to enforce: it may serve, its tokens unknown
        }
      }
    }
    return survey;
  }

  /** Takes {@code d}'s in-flight slot and, in a counted group, its rpm place; false (slot given back) if not. */
  private boolean take(Deployment d, Survey survey, long now) {
    if (!d.tryAcquire()) {
      survey.busy = true;
      return false;
    }
    if (!survey.counted) {
      return true;
    }
    DeploymentLimits.Check admitted = limits.admit(d);
    if (admitted instanceof DeploymentLimits.Open) {
      return true;
    }
    d.release();
    survey.closed(admitted, now);
    return false;
  }

  private Deployment choose(List<Deployment> candidates, Survey survey) {
    return switch (strategy) {
      case SIMPLE_SHUFFLE -> weightedRandom(candidates);
      // A group without rpm/tpm has nothing counted on the limiter: its deployments are ranked by requests in flight
      case USAGE_BASED_ROUTING_V2 -> survey.counted ? lowest(candidates, d -> survey.tokens.getOrDefault(d, 0L))
          : lowest(candidates, Deployment::inFlight);
      case LEAST_BUSY -> lowest(candidates, Deployment::inFlight);
      case LATENCY_BASED_ROUTING -> lowest(candidates, Deployment::latencyNanos);
    };
  }

  /** The candidate with the lowest {@code measure}; ties are broken at random so load still spreads. */
  private Deployment lowest(List<Deployment> candidates, ToLongFunction<Deployment> measure) {
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
}
