package dev.clincher.router.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.testing.ManualClock;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.spend.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A key's rpm and tpm on the sliding window: no calendar minute to cross. */
class RateLimitsTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-03-10T10:00:50Z"));

  static VirtualKey key(OptionalLong rpm, OptionalLong tpm) {
    return new VirtualKey(VirtualKey.hash("sk-test-" + System.nanoTime()), "sk-...test", Optional.empty(), List.of(),
        OptionalDouble.empty(), Optional.empty(), rpm, tpm, Optional.empty(), "{}", Instant.EPOCH);
  }

  @Test
  void theRpmWindowSlidesAcrossTheMinuteBoundary() {
    RateLimits limits = new RateLimits(new InMemoryRateLimiter(clock));
    Optional<VirtualKey> key = Optional.of(key(OptionalLong.of(2), OptionalLong.empty()));
    assertThat(limits.admit(key, "a")).isEmpty();
    assertThat(limits.admit(key, "b")).isEmpty();
    clock.set(Instant.parse("2026-03-10T10:01:05Z")); // a new calendar minute: a fixed window would admit again
    Optional<Refusal> third = limits.admit(key, "c");
    assertThat(third.map(Refusal::status)).contains(429);
    assertThat(third.map(Refusal::scope)).contains("key_rpm");
    assertThat(third.flatMap(Refusal::retryAfter)).contains(Duration.ofSeconds(45)); // when the first call is a minute old
    clock.set(Instant.parse("2026-03-10T10:01:50Z"));
    assertThat(limits.admit(key, "d")).isEmpty();
  }

  @Test
  void theTpmCountsTheLastMinutesAnswers() {
    RateLimits limits = new RateLimits(new InMemoryRateLimiter(clock));
    Optional<VirtualKey> key = Optional.of(key(OptionalLong.empty(), OptionalLong.of(100)));
    limits.record(key, 60, "a");
    assertThat(limits.admit(key, "b")).isEmpty();
    limits.record(key, 40, "b");
    assertThat(limits.admit(key, "c").map(Refusal::scope)).contains("key_tpm");
    clock.advance(Duration.ofSeconds(61));
    assertThat(limits.admit(key, "d")).isEmpty();
  }

  @Test
  void keysWithoutLimitsAndTheMasterKeyAreNotCounted() {
    RateLimits limits = new RateLimits(new InMemoryRateLimiter(clock));
    for (int i = 0; i < 100; i++) {
      assertThat(limits.admit(Optional.empty(), "m" + i)).isEmpty();
      assertThat(limits.admit(Optional.of(key(OptionalLong.empty(), OptionalLong.empty())), "k" + i)).isEmpty();
    }
  }
}
