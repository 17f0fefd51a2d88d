package dev.clincher.router.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.config.ModelAliases;
import dev.clincher.router.config.ProviderKind;
import dev.clincher.router.config.RouterConfig.RoutingSettings;
import dev.clincher.router.config.RoutingStrategy;
import dev.clincher.router.provider.ProviderException;
import dev.clincher.router.ratelimit.InMemoryRateLimiter;
import dev.clincher.router.ratelimit.RateLimiter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retry, cooldown and selection rules without HTTP. */
class DispatcherTest {
  static final Dispatcher.FailureListener QUIET = (deployment, error, willRetry) -> {};

  static DeploymentConfig deployment(String id, double weight, int parallel) {
    return limited(id, weight, parallel, 0, 0);
  }

  static DeploymentConfig limited(String id, double weight, int parallel, long rpm, long tpm) {
    return new DeploymentConfig(id, "group", ProviderKind.OPENAI, "m", Optional.empty(),
        Optional.of(URI.create("http://127.0.0.1:1/v1")), Optional.empty(), rpm, tpm, weight, Duration.ofSeconds(5),
        Duration.ofSeconds(5), parallel);
  }

  static RoutingSettings strategy(RoutingStrategy strategy) {
    return new RoutingSettings(strategy, 0, Duration.ZERO, 3, Duration.ofSeconds(5), true);
  }

  /** An in-process limiter that counts the calls made to it. */
  static RateLimiter counting(AtomicInteger calls) {
    RateLimiter limiter = new InMemoryRateLimiter(Clock.systemUTC());
    return (RateLimiter) Proxy.newProxyInstance(RateLimiter.class.getClassLoader(), new Class<?>[] {RateLimiter.class},
        (proxy, method, arguments) -> {
          calls.incrementAndGet();
          try {
            return method.invoke(limiter, arguments);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  static Dispatcher dispatcher(List<DeploymentConfig> deployments, RoutingStrategy strategy, RateLimiter limiter) {
    return new Dispatcher(deployments, strategy(strategy), ModelAliases.NONE, 100, limiter, new SplittableRandom(5));
  }

  static RoutingSettings settings(int retries, boolean cooldowns) {
    return new RoutingSettings(RoutingStrategy.SIMPLE_SHUFFLE, retries, Duration.ZERO, 1, Duration.ofSeconds(30),
        cooldowns);
  }

  static ProviderException error(int status, Optional<Duration> retryAfter) {
    return new ProviderException(status, "api_error", null, "failed", retryAfter);
  }

  @Test
  void retriesOnTheOtherDeploymentFirst() throws Exception {
    Dispatcher dispatcher = new Dispatcher(List.of(deployment("a", 1, 10), deployment("b", 1, 10)),
        settings(1, false), 100, new SplittableRandom(1));
    List<String> seen = new ArrayList<>();
    try (Routed<String> routed = dispatcher.dispatch(dispatcher.group("group").orElseThrow(), d -> {
      seen.add(d.id());
      if (seen.size() == 1) {
        throw error(500, Optional.empty());
      }
      return "ok";
    }, QUIET)) {
      assertThat(routed.attempts()).isEqualTo(2);
    }
    assertThat(seen).doesNotHaveDuplicates().hasSize(2);
  }

  @Test
  void nonRetryableErrorsAreNotRetried() {
    Dispatcher dispatcher = new Dispatcher(List.of(deployment("a", 1, 10)), settings(3, false), 100,
        new SplittableRandom(1));
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> dispatcher.dispatch(dispatcher.group("group").orElseThrow(), d -> {
      calls.incrementAndGet();
      throw error(400, Optional.empty());
    }, QUIET)).isInstanceOf(ProviderException.class);
    assertThat(calls).hasValue(1);
    assertThat(dispatcher.inFlight()).isZero();
  }

  @Test
  void retryAfterIsWaitedForOnAOneDeploymentGroup() throws Exception {
    Dispatcher dispatcher = new Dispatcher(List.of(deployment("a", 1, 10)), settings(1, false), 100,
        new SplittableRandom(1));
    AtomicInteger calls = new AtomicInteger();
    long start = System.nanoTime();
    try (Routed<String> routed = dispatcher.dispatch(dispatcher.group("group").orElseThrow(), d -> {
      if (calls.incrementAndGet() == 1) {
        throw error(429, Optional.of(Duration.ofMillis(700)));
      }
      return "ok";
    }, QUIET)) {
      assertThat(routed.value()).isEqualTo("ok");
      assertThat(routed.waitedNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(650).toNanos());
    }
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(650).toNanos());
  }

  @Test
  void aCooledDownGroupAnswers429AtOnceWithRetryAfter() throws Exception {
    Dispatcher dispatcher = new Dispatcher(List.of(deployment("a", 1, 10)), settings(0, true), 100,
        new SplittableRandom(1));
    DeploymentGroup group = dispatcher.group("group").orElseThrow();
    assertThatThrownBy(() -> dispatcher.dispatch(group, d -> {
      throw error(503, Optional.empty());
    }, QUIET)).isInstanceOf(ProviderException.class);

    long start = System.nanoTime();
    assertThatThrownBy(() -> dispatcher.dispatch(group, d -> "never", QUIET))
        .isInstanceOf(RoutingException.class)
        .hasMessageContaining("cooling down")
        .satisfies(e -> assertThat(((RoutingException) e).retryAfter()).isPresent());
    assertThat(System.nanoTime() - start).isLessThan(Duration.ofMillis(200).toNanos());
  }

  @Test
  void inFlightBoundsAreEnforcedAndReleased() throws Exception {
    Dispatcher dispatcher = new Dispatcher(List.of(deployment("a", 1, 1)), settings(0, false), 100,
        new SplittableRandom(1));
    DeploymentGroup group = dispatcher.group("group").orElseThrow();
    Routed<String> held = dispatcher.dispatch(group, d -> "held", QUIET);
    assertThatThrownBy(() -> dispatcher.dispatch(group, d -> "second", QUIET))
        .isInstanceOf(RoutingException.class).hasMessageContaining("in flight");
    held.close();
    held.close();
    assertThat(dispatcher.inFlight()).isZero();
    try (Routed<String> again = dispatcher.dispatch(group, d -> "again", QUIET)) {
      assertThat(again.value()).isEqualTo("again");
    }

    Dispatcher tight = new Dispatcher(List.of(deployment("a", 1, 10)), settings(0, false), 1, new SplittableRandom(1));
    try (Routed<String> one = tight.dispatch(tight.group("group").orElseThrow(), d -> "one", QUIET)) {
      assertThat(one.value()).isEqualTo("one");
      assertThatThrownBy(() -> tight.dispatch(tight.group("group").orElseThrow(), d -> "two", QUIET))
          .isInstanceOf(RoutingException.class).hasMessageContaining("router is at its limit");
    }
  }

  @Test
  void weightsShapeTheShuffle() throws Exception {
    Dispatcher dispatcher = new Dispatcher(List.of(deployment("heavy", 3, 10), deployment("light", 1, 10)),
        settings(0, false), 100, new SplittableRandom(7));
    int heavy = 0;
    for (int i = 0; i < 4000; i++) {
      try (Routed<String> routed = dispatcher.dispatch(dispatcher.group("group").orElseThrow(), d -> d.id(), QUIET)) {
        heavy += routed.value().equals("heavy") ? 1 : 0;
      }
    }
    assertThat(heavy).isBetween(2850, 3150);
  }

  @Test
  void leastBusyPicksTheDeploymentWithFewestInFlight() throws Exception {
    Dispatcher dispatcher = new Dispatcher(List.of(deployment("a", 1, 10), deployment("b", 1, 10)),
        new RoutingSettings(RoutingStrategy.LEAST_BUSY, 0, Duration.ZERO, 3, Duration.ofSeconds(5), true), 100,
        new SplittableRandom(3));
    DeploymentGroup group = dispatcher.group("group").orElseThrow();
    try (Routed<String> first = dispatcher.dispatch(group, Deployment::id, QUIET);
        Routed<String> second = dispatcher.dispatch(group, Deployment::id, QUIET)) {
      assertThat(List.of(first.value(), second.value())).containsExactlyInAnyOrder("a", "b");
    }
  }

  @Test
  void latencyBasedPrefersTheFasterDeployment() throws Exception {
    Dispatcher dispatcher = new Dispatcher(List.of(deployment("slow", 1, 10), deployment("fast", 1, 10)),
        new RoutingSettings(RoutingStrategy.LATENCY_BASED_ROUTING, 0, Duration.ZERO, 3, Duration.ofSeconds(5), true),
        100, new SplittableRandom(3));
    DeploymentGroup group = dispatcher.group("group").orElseThrow();
    for (int i = 0; i < 2; i++) { // each gets one measurement (untried deployments count as 0 and go first)
      dispatcher.dispatch(group, d -> {
        Thread.sleep(d.id().equals("slow") ? 40 : 1);
        return d.id();
      }, QUIET).close();
    }
    for (int i = 0; i < 5; i++) {
      try (Routed<String> routed = dispatcher.dispatch(group, Deployment::id, QUIET)) {
        assertThat(routed.value()).isEqualTo("fast");
      }
    }
  }

  @Test
  void theLimiterIsAskedOnlyUnderUsageBasedRoutingForGroupsWithLimits() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    RateLimiter limiter = counting(calls);
    List<DeploymentConfig> withRpm = List.of(limited("a", 0, 10, 5, 100), limited("b", 0, 10, 1, 0));
    for (Dispatcher quiet : List.of(dispatcher(withRpm, RoutingStrategy.SIMPLE_SHUFFLE, limiter),
        dispatcher(withRpm, RoutingStrategy.LEAST_BUSY, limiter),
        dispatcher(List.of(deployment("a", 1, 10), deployment("b", 1, 10)), RoutingStrategy.USAGE_BASED_ROUTING_V2,
            limiter))) {
      for (int i = 0; i < 20; i++) {
        try (Routed<String> routed = quiet.dispatch(quiet.group("group").orElseThrow(), Deployment::id, QUIET)) {
          quiet.recordTokens(routed.deployment(), 1_000);
        }
      }
    }
    assertThat(calls).as("rpm and tpm are weights, or no deployment has one").hasValue(0);

    Dispatcher counted = dispatcher(withRpm, RoutingStrategy.USAGE_BASED_ROUTING_V2, limiter);
    try (Routed<String> routed = counted.dispatch(counted.group("group").orElseThrow(), Deployment::id, QUIET)) {
      assertThat(calls).as("both deployments surveyed, the chosen one's rpm taken").hasValue(3);
      counted.recordTokens(routed.deployment(), 10);
      assertThat(calls).hasValue(4);
    }
    calls.set(0);
    Dispatcher alone = dispatcher(List.of(limited("a", 0, 10, 5, 0)), RoutingStrategy.USAGE_BASED_ROUTING_V2, limiter);
    alone.dispatch(alone.group("group").orElseThrow(), Deployment::id, QUIET).close();
    assertThat(calls).as("one deployment, no tpm: nothing to rank, only its rpm place taken").hasValue(1);
  }

  @Test
  void theLoserOfTheRaceForAnRpmPlaceMovesToAnotherDeployment() throws Exception {
    RateLimiter shared = new InMemoryRateLimiter(Clock.systemUTC()); // one Redis, two routers
    List<DeploymentConfig> deployments = List.of(limited("x", 0, 10, 1, 0), limited("y", 0, 10, 1, 0));
    Dispatcher first = dispatcher(deployments, RoutingStrategy.USAGE_BASED_ROUTING_V2, shared);
    Dispatcher second = dispatcher(deployments, RoutingStrategy.USAGE_BASED_ROUTING_V2, shared);
    DeploymentGroup group = first.group("group").orElseThrow();
    first.recordTokens(group.deployments().get(1), 500); // y has used more: both routers rank x first

    try (Routed<String> one = first.dispatch(group, Deployment::id, QUIET)) {
      assertThat(one.value()).isEqualTo("x");
    }
    List<String> seen = new ArrayList<>();
    try (Routed<String> two = second.dispatch(second.group("group").orElseThrow(), d -> {
      seen.add(d.id());
      return d.id();
    }, QUIET)) {
      assertThat(two.value()).as("x's one place is taken: y, without an attempt on x").isEqualTo("y");
    }
    assertThat(seen).containsExactly("y");
    assertThatThrownBy(() -> first.dispatch(group, Deployment::id, QUIET)).isInstanceOf(RoutingException.class)
        .hasMessage("every deployment of group is at its rpm/tpm limit for this minute")
        .satisfies(e -> assertThat(((RoutingException) e).retryAfter()).hasValueSatisfying(
            wait -> assertThat(wait).isBetween(Duration.ofSeconds(58), Duration.ofSeconds(61))));
    assertThat(first.inFlight()).isZero();
    assertThat(second.inFlight()).isZero();
  }

  @Test
  void backoffGrowsAndHonoursTheFloor() {
    Dispatcher dispatcher = new Dispatcher(List.of(deployment("a", 1, 1)), settings(3, false), 1,
        new SplittableRandom(1));
    assertThat(dispatcher.backoff(1)).isBetween(Duration.ofMillis(160), Duration.ofMillis(240));
    assertThat(dispatcher.backoff(3)).isBetween(Duration.ofMillis(640), Duration.ofMillis(960));
    assertThat(dispatcher.backoff(20)).isLessThanOrEqualTo(Duration.ofMillis(9600));
    Dispatcher floored = new Dispatcher(List.of(deployment("a", 1, 1)), new RoutingSettings(
        RoutingStrategy.SIMPLE_SHUFFLE, 2, Duration.ofSeconds(5), 3, Duration.ofSeconds(5), true), 1,
        new SplittableRandom(1));
    assertThat(floored.backoff(1)).isEqualTo(Duration.ofSeconds(5));
  }
}
