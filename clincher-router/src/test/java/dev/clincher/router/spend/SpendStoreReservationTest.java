package dev.clincher.router.spend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.testing.ManualClock;
import dev.clincher.router.spend.SpendStore.Hold;
import dev.clincher.router.spend.SpendStore.Increment;
import dev.clincher.router.spend.SpendStore.Shortfall;
import dev.clincher.router.testing.TestRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Reservations on both stores: atomic against their limits, exact under concurrency, let go when a router dies. */
class SpendStoreReservationTest {
  private static final Duration LEASE = Duration.ofMinutes(5);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-05-01T12:00:00Z"));

  interface StoreTest {
    void run(SpendStore store) throws Exception;
  }

  private void onBoth(StoreTest test) throws Exception {
    try (SpendStore memory = new InMemorySpendStore(clock)) {
      test.run(memory);
    }
    try (SpendStore redis = TestRedis.store()) {
      test.run(redis);
    }
  }

  @Test
  void aReservationHoldsEverythingOrNothing() throws Exception {
    onBoth(store -> {
      store.add("key", 600, Duration.ZERO);
      assertThat(store.reserve("a", List.of(new Hold("key", 300, 1000), new Hold("global", 300, 10_000)), LEASE))
          .isEmpty();
      Optional<Shortfall> refused = store.reserve("b",
          List.of(new Hold("global", 100, 10_000), new Hold("key", 101, 1000)), LEASE);
      assertThat(refused).contains(new Shortfall(1, 900)); // 600 spent + 300 held
      assertThat(store.reserve("c", List.of(new Hold("global", 9_400, 10_000)), LEASE))
          .as("the refused reservation held nothing on 'global' either").isEmpty();
      assertThat(store.reserve("d", List.of(new Hold("key", 100, 1000)), LEASE)).isEmpty(); // exactly at the limit
      assertThat(store.get("key")).as("holds are not spend").isEqualTo(600);
    });
  }

  @Test
  void settlingReplacesTheHoldByTheActualAmount() throws Exception {
    onBoth(store -> {
      List<Hold> holds = List.of(new Hold("key", 500, 1000));
      assertThat(store.reserve("a", holds, LEASE)).isEmpty();
      store.settle("a", holds, List.of(new Increment("key", 120, Duration.ZERO),
          new Increment("model-total", 120, Duration.ZERO)));
      assertThat(store.get("key")).isEqualTo(120);
      assertThat(store.get("model-total")).isEqualTo(120);
      assertThat(store.reserve("b", List.of(new Hold("key", 880, 1000)), LEASE)).as("the 500 held are free again")
          .isEmpty();
      store.settle("b", List.of(new Hold("key", 880, 1000)), List.of()); // a release
      assertThat(store.get("key")).isEqualTo(120);
      assertThat(store.reserve("c", List.of(new Hold("key", 880, 1000)), LEASE)).isEmpty();
      store.settle("c", List.of(new Hold("key", 880, 1000)), List.of());
      store.settle("c", List.of(new Hold("key", 880, 1000)), List.of()); // settling twice lets nothing go twice
      assertThat(store.reserve("d", List.of(new Hold("key", 881, 1000)), LEASE)).contains(new Shortfall(0, 120));
    });
  }

  @Test
  void twoHundredConcurrentReservationsNeverOvershootTheLimit() throws Exception {
    onBoth(store -> {
      int admitted = concurrentReservations(List.of(store), 200, 1_000, 50_000);
      assertThat(admitted).isEqualTo(50);
      assertThat(store.get("budget")).as("every admitted call settled at its full reservation").isEqualTo(50_000);
    });
  }

  @Test
  void twoRouterInstancesOnOneRedisShareTheLimitExactly() throws Exception {
    String prefix = "clincher-test:" + UUID.randomUUID() + ":";
    try (RedisSpendStore first = TestRedis.store(prefix); RedisSpendStore second = TestRedis.store(prefix)) {
      int admitted = concurrentReservations(List.of(first, second), 200, 1_000, 50_000);
      assertThat(admitted).isEqualTo(50);
      assertThat(first.get("budget")).isEqualTo(50_000);
    }
  }

  /** {@code calls} reservations of {@code amount} raced from many threads over the stores; returns how many fit. */
  private static int concurrentReservations(List<? extends SpendStore> stores, int calls, long amount, long limit)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(32);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    try {
      for (int i = 0; i < calls; i++) {
        SpendStore store = stores.get(i % stores.size());
        String lease = "call-" + i;
        results.add(pool.submit(() -> {
          start.await();
          List<Hold> holds = List.of(new Hold("budget", amount, limit));
          boolean fits = store.reserve(lease, holds, LEASE).isEmpty();
          if (fits) {
            store.settle(lease, holds, List.of(new Increment("budget", amount, Duration.ZERO)));
          }
          return fits;
        }));
      }
      start.countDown();
      int admitted = 0;
      for (Future<Boolean> result : results) {
        admitted += result.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      return admitted;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theHoldsOfADeadRouterAreLetGoWhenTheirLeaseExpires() throws Exception {
    try (SpendStore memory = new InMemorySpendStore(clock)) {
      assertThat(memory.reserve("dead", List.of(new Hold("key", 900, 1000)), Duration.ofMinutes(1))).isEmpty();
      assertThat(memory.reserve("next", List.of(new Hold("key", 200, 1000)), LEASE)).isPresent();
      clock.advance(Duration.ofMinutes(1));
      assertThat(memory.reserve("next", List.of(new Hold("key", 200, 1000)), LEASE)).isEmpty();
      memory.settle("dead", List.of(new Hold("key", 900, 1000)), List.of(new Increment("key", 50, Duration.ZERO)));
      assertThat(memory.get("key")).as("a late settle adds its actual amount only").isEqualTo(50);
      assertThat(memory.reserve("more", List.of(new Hold("key", 750, 1000)), LEASE)).isEmpty();
    }
    try (SpendStore redis = TestRedis.store()) { // Redis's own clock decides: a short real lease
      assertThat(redis.reserve("dead", List.of(new Hold("key", 900, 1000)), Duration.ofMillis(300))).isEmpty();
      assertThat(redis.reserve("next", List.of(new Hold("key", 200, 1000)), LEASE)).isPresent();
      Thread.sleep(600);
      assertThat(redis.reserve("next", List.of(new Hold("key", 200, 1000)), LEASE)).isEmpty();
      redis.settle("dead", List.of(new Hold("key", 900, 1000)), List.of(new Increment("key", 50, Duration.ZERO)));
      assertThat(redis.get("key")).isEqualTo(50);
      assertThat(redis.reserve("more", List.of(new Hold("key", 750, 1000)), LEASE)).isEmpty();
    }
  }
}
