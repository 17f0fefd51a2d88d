package dev.clincher.router.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.router.config.DeploymentConfig;
import dev.clincher.router.config.ProviderKind;
import dev.clincher.router.config.RouterConfig.RoutingSettings;
import dev.clincher.router.config.RoutingStrategy;
import dev.clincher.router.provider.ProviderException;
import java.net.URI;
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
    return new DeploymentConfig(id, "group", ProviderKind.OPENAI, "m", Optional.empty(),
        Optional.of(URI.create("http://127.0.0.1:1/v1")), Optional.empty(), 0, 0, weight, Duration.ofSeconds(5),
        Duration.ofSeconds(5), parallel);
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
