package dev.clincher.router.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.cache.testing.ManualClock;
import dev.clincher.router.ratelimit.Decision.Admitted;
import dev.clincher.router.ratelimit.Decision.NeverFits;
import dev.clincher.router.ratelimit.Decision.Refused;
import dev.clincher.router.testing.TestRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Both limiters, the same scenarios: in memory on a manual clock (one-minute windows, exact times), in Redis on
 * Redis's own clock (one-second windows, real sleeps, times within {@link Bench#slack()}).
 */
class RateLimiterTest {
  private static final Instant MINUTE = Instant.parse("2026-01-01T00:01:00Z");

  /** How a limiter's time passes, and how exactly it can tell a retry. */
  private interface Bench {
    void pass(Duration time) throws InterruptedException;

    /** Moves time to {@code epsilon} before a multiple of {@code window}: where a fixed window would reset. */
    void justBeforeBoundary(Duration window, Duration epsilon) throws InterruptedException;

    /** How much sooner than scheduled a retry may be told (real calls take time; a manual clock none). */
    Duration slack();

    default void assertRetryAfter(Decision decision, long used, Duration scheduled) {
      assertThat(decision).isInstanceOf(Refused.class);
      Refused refused = (Refused) decision;
      assertThat(refused.used()).isEqualTo(used);
      assertThat(refused.retryAfter()).isBetween(scheduled.minus(slack()), scheduled);
    }
  }

  /** The in-process limiter's: a manual clock, exact. */
  private record ManualTime(ManualClock clock) implements Bench {
    @Override
    public void pass(Duration time) {
      clock.advance(time);
    }

    @Override
    public void justBeforeBoundary(Duration window, Duration epsilon) {
      clock.set(MINUTE.plus(window).minus(epsilon));
    }

    @Override
    public Duration slack() {
      return Duration.ZERO;
    }
  }

  /** Redis's: real time (its {@code TIME} reads this host's clock), real sleeps. */
  private record RealTime() implements Bench {
    @Override
    public void pass(Duration time) throws InterruptedException {
      Thread.sleep(time);
    }

    @Override
    public void justBeforeBoundary(Duration window, Duration epsilon) throws InterruptedException {
      long now = System.currentTimeMillis();
      long target = (now / window.toMillis() + 1) * window.toMillis() - epsilon.toMillis();
      Thread.sleep(target > now ? target - now : target - now + window.toMillis());
    }

    @Override
    public Duration slack() {
      return Duration.ofMillis(250);
    }
  }

  /** A scenario on one limiter: its window, its time. */
  private interface Scenario {
    void run(RateLimiter limiter, Duration window, Bench bench) throws Exception;
  }

  /** Runs {@code scenario} in memory with one-minute windows, then in Redis with one-second windows. */
  private static void onBoth(Scenario scenario) throws Exception {
    ManualClock clock = new ManualClock(MINUTE);
    try (RateLimiter memory = new InMemoryRateLimiter(clock)) {
      scenario.run(memory, Duration.ofMinutes(1), new ManualTime(clock));
    }
    try (RateLimiter redis = TestRedis.rateLimiter(freshPrefix())) {
      scenario.run(redis, Duration.ofSeconds(1), new RealTime());
    }
  }

  private static String freshPrefix() {
    return "clincher-test:" + UUID.randomUUID() + ":";
  }

  @Test
  void twoHundredConcurrentCallsAgainstALimitOfFiftyAdmitExactlyFifty() throws Exception {
    onBoth((limiter, window, bench) -> {
      assertThat(concurrentAdmits(List.of(limiter), 200, 50)).isEqualTo(50);
      assertThat(limiter.used("rpm", Duration.ofSeconds(30))).isEqualTo(50);
    });
  }

  @Test
  void twoRoutersOnOneRedisAdmitExactlyTheLimitBetweenThem() throws Exception {
    String prefix = freshPrefix();
    try (RateLimiter first = TestRedis.rateLimiter(prefix); RateLimiter second = TestRedis.rateLimiter(prefix)) {
      assertThat(concurrentAdmits(List.of(first, second), 200, 50)).isEqualTo(50);
      assertThat(second.used("rpm", Duration.ofSeconds(30))).isEqualTo(50);
    }
  }

  /** {@code calls} admits of cost 1 on subject "rpm" raced over the limiters; returns how many were admitted. */
  private static int concurrentAdmits(List<RateLimiter> limiters, int calls, long limit) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Decision>> decisions = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < calls; i++) {
        RateLimiter limiter = limiters.get(i % limiters.size());
        String id = "call-" + i;
        decisions.add(threads.submit(() -> {
          start.await();
          return limiter.admit("rpm", limit, Duration.ofSeconds(30), 1, id);
        }));
      }
      start.countDown();
      int admitted = 0;
      for (Future<Decision> decision : decisions) {
        admitted += decision.get(30, TimeUnit.SECONDS).admitted() ? 1 : 0;
      }
      return admitted;
    }
  }

  @Test
  void aWindowBoundaryLetsNothingMoreThrough() throws Exception {
    onBoth((limiter, window, bench) -> {
      Duration epsilon = window.dividedBy(20);
      bench.justBeforeBoundary(window, epsilon); // a calendar-minute (fixed) window would reset in epsilon
      for (int i = 1; i <= 10; i++) {
        assertThat(limiter.admit("rpm", 10, window, 1, "early-" + i)).isEqualTo(new Admitted(i));
      }
      bench.pass(epsilon.multipliedBy(2));
      bench.assertRetryAfter(limiter.admit("rpm", 10, window, 1, "late"), 10, window.minus(epsilon.multipliedBy(2)));
      bench.pass(window.minus(epsilon.multipliedBy(2)));
      assertThat(limiter.admit("rpm", 10, window, 1, "later")).as("the ten are a window old")
          .isEqualTo(new Admitted(1));
    });
  }

  @Test
  void retryAfterIsWhenEnoughOfTheOldestEntriesHaveLeft() throws Exception {
    onBoth((limiter, window, bench) -> {
      Duration quarter = window.dividedBy(4);
      assertThat(limiter.admit("rpm", 3, window, 1, "a").admitted()).isTrue();
      bench.pass(quarter);
      assertThat(limiter.admit("rpm", 3, window, 1, "b").admitted()).isTrue();
      bench.pass(quarter);
      assertThat(limiter.admit("rpm", 3, window, 1, "c")).isEqualTo(new Admitted(3));
      bench.assertRetryAfter(limiter.admit("rpm", 3, window, 1, "d"), 3, window.minus(quarter.multipliedBy(2)));
      bench.assertRetryAfter(limiter.admit("rpm", 3, window, 2, "e"), 3, window.minus(quarter));
      assertThat(limiter.admit("rpm", 3, window, 4, "f")).isEqualTo(new NeverFits(4, 3));
      assertThat(limiter.admit("rpm", 3, window, 0, "check")).as("cost 0 checks").isEqualTo(new Admitted(3));
      bench.pass(quarter.multipliedBy(2));
      assertThat(limiter.admit("rpm", 3, window, 1, "d")).as("a has left").isEqualTo(new Admitted(3));
    });
  }

  @Test
  void recordedTokensSumExactlyAndLeaveWithTheWindow() throws Exception {
    onBoth((limiter, window, bench) -> {
      assertThat(limiter.record("tpm", window, 1_500, "r1")).isEqualTo(1_500);
      bench.pass(window.dividedBy(2));
      assertThat(limiter.record("tpm", window, 2_500, "r2")).isEqualTo(4_000);
      assertThat(limiter.record("tpm", window, 0, "r3")).isEqualTo(4_000);
      assertThat(limiter.used("tpm", window)).isEqualTo(4_000);
      assertThat(limiter.admit("tpm", 5_000, window, 1_000, "estimate")).isEqualTo(new Admitted(5_000));
      bench.assertRetryAfter(limiter.admit("tpm", 5_000, window, 1, "over"), 5_000, window.dividedBy(2));
      bench.pass(window.dividedBy(2));
      assertThat(limiter.used("tpm", window)).as("r1 has left").isEqualTo(3_500);
      bench.pass(window.dividedBy(2));
      assertThat(limiter.used("tpm", window)).isZero();

      long big = (1L << 52) + 1; // a double's 53 bits hold it; a float, an int or a fixed-point cent would not
      limiter.record("tpm:big", window, big, "b1");
      assertThat(limiter.record("tpm:big", window, 3, "b2")).isEqualTo(big + 3);
      assertThat(limiter.used("tpm:big", window)).isEqualTo(big + 3);
      assertThat(limiter.used("tpm:unknown", window)).isZero();
    });
  }

  @Test
  void atMostNLeasesAreHeldAndAnUnreleasedOneExpires() throws Exception {
    onBoth((limiter, window, bench) -> {
      Duration lease = window;
      for (String id : List.of("a", "b", "c")) {
        assertThat(limiter.acquire("parallel", 3, lease, id).admitted()).isTrue();
      }
      bench.assertRetryAfter(limiter.acquire("parallel", 3, lease, "d"), 3, lease);
      assertThat(limiter.release("parallel", "b")).isTrue();
      assertThat(limiter.release("parallel", "b")).as("released once").isFalse();
      assertThat(limiter.acquire("parallel", 3, lease, "d")).isEqualTo(new Admitted(3));
      bench.pass(lease.dividedBy(2));
      assertThat(limiter.acquire("parallel", 3, lease, "a")).as("a renews its lease").isEqualTo(new Admitted(3));
      bench.assertRetryAfter(limiter.acquire("parallel", 3, lease, "e"), 3, lease.dividedBy(2));
      bench.pass(lease.dividedBy(2));
      assertThat(limiter.release("parallel", "c")).as("c was never released: expired").isFalse();
      assertThat(limiter.acquire("parallel", 3, lease, "e")).as("c and d expired, a renewed")
          .isEqualTo(new Admitted(2));
      assertThat(limiter.acquire("parallel", 0, lease, "f")).isEqualTo(new NeverFits(1, 0));
    });
  }

  @Test
  void inMemoryTheSubjectsAndTheirLogsAreBounded() {
    ManualClock clock = new ManualClock(MINUTE);
    Duration window = Duration.ofMinutes(1);
    try (InMemoryRateLimiter limiter = new InMemoryRateLimiter(clock, new InMemoryRateLimiter.Bounds(100, 2))) {
      for (int i = 0; i < 100; i++) {
        limiter.admit("rpm:key:" + i, 10, window, 1, "x");
      }
      assertThatThrownBy(() -> limiter.admit("rpm:key:new", 10, window, 1, "x"))
          .as("a full table of live limits fails closed").isInstanceOf(RateLimitUnavailableException.class)
          .hasMessageContaining("100 active subjects");
      clock.advance(window);
      assertThat(limiter.admit("rpm:key:new", 10, window, 1, "x")).isEqualTo(new Admitted(1));
      assertThat(limiter.subjects()).as("the idle ones were dropped").isEqualTo(1);

      limiter.record("tpm", window, 1, "t0");
      clock.advance(Duration.ofSeconds(10));
      limiter.record("tpm", window, 10, "t10");
      clock.advance(Duration.ofSeconds(10));
      assertThat(limiter.record("tpm", window, 100, "t20")).as("two entries at most, the sum exact").isEqualTo(111);
      clock.advance(Duration.ofSeconds(55));
      assertThat(limiter.used("tpm", window)).as("t0 has left; t10 joined t20's entry: it leaves with it, not sooner")
          .isEqualTo(110);
      clock.advance(Duration.ofSeconds(5));
      assertThat(limiter.used("tpm", window)).isZero();
    }
  }

  @Test
  void inRedisEveryKeyExpiresAndALogKeepsAtMostItsBound() throws Exception {
    String prefix = freshPrefix();
    Duration window = Duration.ofSeconds(2);
    try (RedisRateLimiter limiter = TestRedis.rateLimiter(prefix, 8);
        RedisClient redis = RedisClient.create(TestRedis.url())) {
      for (int i = 0; i < 20; i++) {
        limiter.admit("rpm", 100, window, 1, "call-" + i);
        limiter.record("tpm", window, 1_000 + i, "call-" + i);
      }
      limiter.acquire("parallel", 5, Duration.ofSeconds(10), "long-lease");
      limiter.acquire("parallel", 5, Duration.ofMillis(500), "short-lease");
      List<String> logKeys = new ArrayList<>(limiter.logKeys("rpm"));
      logKeys.addAll(limiter.logKeys("tpm"));
      for (String key : logKeys) {
        assertThat(redis.pttl(key)).as(key).isBetween(window.toMillis(), window.plus(RedisRateLimiter.KEY_MARGIN)
            .toMillis());
      }
      assertThat(redis.pttl(limiter.leasesKey("parallel"))).as("the longest lease's")
          .isBetween(9_000L, 11_000L);
      assertThat(redis.zcard(limiter.logKeys("rpm").get(0))).isEqualTo(8);
      assertThat(limiter.used("rpm", window)).isEqualTo(20);
      assertThat(limiter.used("tpm", window)).isEqualTo(20 * 1_000 + 190);

      redis.del(limiter.logKeys("tpm").get(1));
      assertThat(limiter.used("tpm", window)).as("a lost sum is counted again from the log")
          .isEqualTo(20 * 1_000 + 190);
      assertThat(redis.pttl(limiter.logKeys("tpm").get(1))).isPositive();
    }
  }
}
