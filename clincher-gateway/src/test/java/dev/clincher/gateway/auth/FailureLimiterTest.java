package dev.clincher.gateway.auth;

import dev.clincher.cache.testing.ManualClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailureLimiterTest {
  final ManualClock clock = new ManualClock();
  final FailureLimiter limiter = new FailureLimiter(FailureLimiter.Limits.defaults(), clock);

  @Test
  void tenFailuresWithinAMinuteLockOutForFiveMinutes() {
    for (int i = 0; i < 9; i++) {
      assertThat(limiter.recordFailure("198.51.100.7")).isEmpty();
      clock.advance(Duration.ofSeconds(5));
    }
    assertThat(limiter.lockedFor("198.51.100.7")).isEmpty();
    assertThat(limiter.recordFailure("198.51.100.7")).contains(Duration.ofMinutes(5));
    assertThat(limiter.lockedFor("198.51.100.7")).contains(Duration.ofMinutes(5));
    assertThat(limiter.lockedFor("198.51.100.8")).isEmpty();

    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(limiter.lockedFor("198.51.100.7")).contains(Duration.ofMillis(1));
    clock.advance(Duration.ofMillis(1));
    assertThat(limiter.lockedFor("198.51.100.7")).isEmpty();
    assertThat(limiter.recordFailure("198.51.100.7")).as("the count restarts after a lockout").isEmpty();
  }

  @Test
  void theWindowSlides() {
    for (int i = 0; i < 30; i++) {
      assertThat(limiter.recordFailure("c")).as("failure %d, one per 7 s", i).isEmpty();
      clock.advance(Duration.ofSeconds(7));
    }
    for (int i = 0; i < 9; i++) {
      limiter.recordFailure("d");
    }
    clock.advance(Duration.ofSeconds(59));
    assertThat(limiter.recordFailure("d")).isPresent();
  }

  @Test
  void successForgetsTheCount() {
    for (int i = 0; i < 9; i++) {
      limiter.recordFailure("c");
    }
    limiter.recordSuccess("c");
    assertThat(limiter.recordFailure("c")).isEmpty();
  }

  @Test
  void sprayingFromManyAddressesStaysBoundedAndKeepsLockouts() {
    FailureLimiter small = new FailureLimiter(
        new FailureLimiter.Limits(10, Duration.ofSeconds(60), Duration.ofMinutes(5), 100), clock);
    for (int i = 0; i < 10; i++) {
      small.recordFailure("victim-of-its-own-guessing");
    }
    for (int i = 0; i < 100_000; i++) {
      small.recordFailure("spray-" + i);
    }
    assertThat(small.trackedClients()).isLessThanOrEqualTo(200);
    assertThat(small.lockedFor("victim-of-its-own-guessing")).isPresent();
  }

  @Test
  void lockoutsAreBoundedToo() {
    FailureLimiter small = new FailureLimiter(
        new FailureLimiter.Limits(1, Duration.ofSeconds(60), Duration.ofMinutes(5), 50), clock);
    for (int i = 0; i < 10_000; i++) {
      assertThat(small.recordFailure("a" + i)).isEqualTo(Optional.of(Duration.ofMinutes(5)));
    }
    assertThat(small.trackedClients()).isLessThanOrEqualTo(100);
    assertThat(small.lockedFor("a9999")).isPresent();
    assertThat(small.lockedFor("a0")).as("the oldest lockout was dropped at the cap").isEmpty();
  }

  @Test
  void concurrentFailuresAreAllCounted() throws Exception {
    FailureLimiter limiter = new FailureLimiter(
        new FailureLimiter.Limits(1000, Duration.ofSeconds(60), Duration.ofMinutes(5), 100), clock);
    java.util.concurrent.atomic.AtomicInteger lockouts = new java.util.concurrent.atomic.AtomicInteger();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
      for (int t = 0; t < 8; t++) {
        pool.submit(() -> {
          for (int i = 0; i < 500; i++) {
            if (limiter.recordFailure("shared").isPresent()) {
              lockouts.incrementAndGet();
            }
          }
        });
      }
    }
    assertThat(lockouts.get()).as("every 1000th failure starts a lockout; the count restarts with it")
        .isEqualTo(4);
    assertThat(limiter.lockedFor("shared")).isPresent();
  }
}
