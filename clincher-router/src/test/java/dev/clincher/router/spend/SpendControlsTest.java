package dev.clincher.router.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.testing.ManualClock;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.metering.BudgetPeriod;
import dev.clincher.router.metering.Price;
import dev.clincher.router.metering.Usage;
import dev.clincher.router.testing.TestRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Budgets, rollover and limits on both stores: memory and a real Redis. */
class SpendControlsTest {
  static final Price PRICE = new Price(1e-6, 2e-6, 1e-7, 1.25e-6);
  static final Instant JAN_31 = Instant.parse("2026-01-31T23:59:00Z");

  static Stream<Function<ManualClock, SpendStore>> stores() {
    return Stream.of(InMemorySpendStore::new, clock -> TestRedis.store());
  }

  static SpendControls controls(SpendStore store, ManualClock clock, double modelBudget) {
    return new SpendControls(store, clock, List.of(new SpendControls.DeploymentCost("d1", "model-a",
        Optional.of(PRICE), OptionalDouble.of(modelBudget), BudgetPeriod.MONTHLY)));
  }

  static VirtualKey key(OptionalDouble budget, Optional<BudgetPeriod> period, OptionalLong rpm, OptionalLong tpm) {
    return new VirtualKey(VirtualKey.hash("sk-test-" + System.nanoTime()), "sk-...test", Optional.empty(), List.of(),
        budget, period, rpm, tpm, Optional.empty(), "{}", Instant.EPOCH);
  }

  @ParameterizedTest
  @MethodSource("stores")
  void aModelOverItsMonthlyBudgetIsRefusedUntilTheNextUtcMonth(Function<ManualClock, SpendStore> factory) {
    ManualClock clock = new ManualClock(JAN_31);
    try (SpendStore store = factory.apply(clock)) {
      SpendControls spend = controls(store, clock, 0.01);
      assertThat(spend.admitGroup("model-a", List.of("d1"))).isEmpty();
      // 5000 prompt + 2500 completion tokens = 0.005 + 0.005 = $0.01: exactly the budget
      assertThat(spend.record(Optional.empty(), "d1", new Usage(5000, 2500, 7500))).hasValue(0.01);

      Optional<Refusal> refused = spend.admitGroup("model-a", List.of("d1"));
      assertThat(refused).isPresent();
      assertThat(refused.get().status()).isEqualTo(400);
      assertThat(refused.get().type()).isEqualTo("budget_exceeded");
      assertThat(refused.get().retryAfter()).contains(Duration.ofMinutes(1));

      clock.set(Instant.parse("2026-02-01T00:00:00Z"));
      assertThat(spend.admitGroup("model-a", List.of("d1"))).as("a new month, a new budget").isEmpty();
      assertThat(spend.deploymentSpend("d1")).isZero();
      assertThat(spend.modelTotalSpend("model-a")).isEqualTo(0.01);
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void aKeyOverItsBudgetIsRefusedAndItsWindowedBudgetResets(Function<ManualClock, SpendStore> factory) {
    ManualClock clock = new ManualClock(Instant.parse("2026-03-10T10:00:00Z"));
    try (SpendStore store = factory.apply(clock)) {
      SpendControls spend = controls(store, clock, 1000);
      VirtualKey daily = key(OptionalDouble.of(0.001), BudgetPeriod.parse("1d"), OptionalLong.empty(),
          OptionalLong.empty());
      assertThat(spend.admitKey(daily)).isEmpty();
      spend.record(Optional.of(daily), "d1", new Usage(1000, 0, 1000)); // $0.001
      assertThat(spend.admitKey(daily).map(Refusal::scope)).contains("key_budget");
      clock.set(Instant.parse("2026-03-11T00:00:01Z"));
      assertThat(spend.admitKey(daily)).isEmpty();
      assertThat(spend.keyTotalSpend(daily)).isEqualTo(0.001);
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void concurrentIncrementsAreExact(Function<ManualClock, SpendStore> factory) throws Exception {
    ManualClock clock = new ManualClock(JAN_31);
    try (SpendStore store = factory.apply(clock);
        var pool = Executors.newFixedThreadPool(16)) {
      SpendControls spend = controls(store, clock, 1e9);
      VirtualKey k = key(OptionalDouble.empty(), Optional.empty(), OptionalLong.empty(), OptionalLong.empty());
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        done.add(pool.submit(() -> spend.record(Optional.of(k), "d1", new Usage(7, 3, 10)))); // 13 micro-dollars
      }
      for (Future<?> f : done) {
        f.get();
      }
      assertThat(store.get("spend:key:" + k.tokenHash() + ":total")).isEqualTo(2000L * 13_000);
      assertThat(spend.keyTotalSpend(k)).isEqualTo(0.026);
    }
  }
}
