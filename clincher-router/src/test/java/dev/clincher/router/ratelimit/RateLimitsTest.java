package dev.clincher.router.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.testing.ManualClock;
import dev.clincher.router.keys.Caller;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.spend.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Rate limits of a key and its team on the sliding window: no calendar minute to cross. */
class RateLimitsTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-03-10T10:00:50Z"));

  static VirtualKey key(OptionalLong rpm, OptionalLong tpm) {
    return key(rpm, tpm, OptionalLong.empty(), Optional.empty());
  }

  static VirtualKey key(OptionalLong rpm, OptionalLong tpm, OptionalLong parallel, Optional<String> team) {
    return new VirtualKey(VirtualKey.hash("sk-test-" + System.nanoTime()), "sk-...test", Optional.empty(), List.of(),
        OptionalDouble.empty(), Optional.empty(), rpm, tpm, Optional.empty(), "{}", Instant.EPOCH, team,
        Optional.empty(), false, parallel);
  }

  static Team team(String id, OptionalLong rpm, OptionalLong tpm, OptionalLong parallel) {
    return new Team(id, Optional.empty(), List.of(), OptionalDouble.empty(), Optional.empty(), rpm, tpm, parallel,
        false, "{}", List.of(), Instant.EPOCH, Instant.EPOCH);
  }

  static Caller caller(VirtualKey key) {
    return Caller.of(key);
  }

  static Caller caller(VirtualKey key, Team team) {
    return Caller.of(key, Optional.of(team), Optional.empty());
  }

  @Test
  void theRpmWindowSlidesAcrossTheMinuteBoundary() {
    RateLimits limits = new RateLimits(new InMemoryRateLimiter(clock));
    Caller key = caller(key(OptionalLong.of(2), OptionalLong.empty()));
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
    Caller key = caller(key(OptionalLong.empty(), OptionalLong.of(100)));
    limits.record(key, 60, "a");
    assertThat(limits.admit(key, "b")).isEmpty();
    limits.record(key, 40, "b");
    assertThat(limits.admit(key, "c").map(Refusal::scope)).contains("key_tpm");
    clock.advance(Duration.ofSeconds(61));
    assertThat(limits.admit(key, "d")).isEmpty();
  }

  @Test
  void whatIsLeftOfEachLimitIsToldAsCallsUseIt() {
    java.util.Map<String, Long> left = new java.util.concurrent.ConcurrentHashMap<>();
    RateLimits limits = new RateLimits(new InMemoryRateLimiter(clock),
        (owner, id, limit, remaining) -> left.put(owner + " " + limit, remaining));
    Team team = team("research", OptionalLong.of(5), OptionalLong.empty(), OptionalLong.empty());
    Caller caller = caller(key(OptionalLong.of(3), OptionalLong.of(100), OptionalLong.empty(),
        Optional.of("research")), team);
    assertThat(limits.admit(caller, "a")).isEmpty();
    assertThat(left).containsEntry("key rpm", 2L).containsEntry("key tpm", 100L).containsEntry("team rpm", 4L);
    limits.record(caller, 70, "a");
    assertThat(left).containsEntry("key tpm", 30L).doesNotContainKey("team tpm");
    limits.record(caller, 50, "b"); // past the limit: nothing left, never negative
    assertThat(left).containsEntry("key tpm", 0L);
    clock.advance(Duration.ofSeconds(61));
    assertThat(limits.admit(caller, "c").map(Refusal::scope)).isEmpty();
    assertThat(left).containsEntry("key rpm", 2L).containsEntry("key tpm", 100L);
  }

  @Test
  void aTeamsLimitsCoverAllItsKeys() {
    RateLimits limits = new RateLimits(new InMemoryRateLimiter(clock));
    Team team = team("research", OptionalLong.of(3), OptionalLong.of(1_000), OptionalLong.empty());
    Caller first = caller(key(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.of("research")),
        team);
    Caller second = caller(key(OptionalLong.of(100), OptionalLong.empty(), OptionalLong.empty(),
        Optional.of("research")), team);
    assertThat(limits.admit(first, "a")).isEmpty();
    assertThat(limits.admit(second, "b")).isEmpty();
    assertThat(limits.admit(first, "c")).isEmpty();
    Optional<Refusal> fourth = limits.admit(second, "d");
    assertThat(fourth.map(Refusal::scope)).as("the team's third call was its last").contains("team_rpm");
    assertThat(fourth.map(Refusal::message)).hasValueSatisfying(m -> assertThat(m).contains("team").contains("3"));
    Caller alone = caller(key(OptionalLong.empty(), OptionalLong.empty()));
    assertThat(limits.admit(alone, "e")).as("a key of no team is not held by it").isEmpty();

    limits.record(first, 1_000, "a");
    assertThat(limits.admit(caller(key(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
        Optional.of("research")), team(team.teamId(), OptionalLong.empty(), OptionalLong.of(1_000),
        OptionalLong.empty())), "f").map(Refusal::scope)).as("tokens of one key count for the whole team")
        .contains("team_tpm");
  }

  @Test
  void maxParallelRequestsHoldsALeasePerCallOfTheKeyAndItsTeam() {
    RateLimits limits = new RateLimits(new InMemoryRateLimiter(clock));
    Team team = team("ops", OptionalLong.empty(), OptionalLong.empty(), OptionalLong.of(3));
    Caller busy = caller(key(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.of(2), Optional.of("ops")), team);
    Caller other = caller(key(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.of("ops")),
        team);
    assertThat(limits.enter(busy, "1")).isEmpty();
    assertThat(limits.enter(busy, "2")).isEmpty();
    Optional<Refusal> third = limits.enter(busy, "3");
    assertThat(third.map(Refusal::status)).contains(429);
    assertThat(third.map(Refusal::code)).contains("max_parallel_requests");
    assertThat(third.map(Refusal::scope)).contains("key_parallel");
    assertThat(limits.enter(other, "4")).as("the team's third slot").isEmpty();
    assertThat(limits.enter(other, "5").map(Refusal::scope)).contains("team_parallel");

    limits.leave(busy, "1");
    assertThat(limits.enter(other, "5")).as("a call that left frees its team's slot").isEmpty();
    assertThat(limits.enter(busy, "6").map(Refusal::scope))
        .as("refused by the team: the key's own lease, taken first, is given back").contains("team_parallel");
    limits.leave(other, "4");
    assertThat(limits.enter(busy, "7")).as("the key has 1 of 2, the team 2 of 3").isEmpty();

    clock.advance(RateLimits.PARALLEL_LEASE.plusSeconds(1));
    assertThat(limits.enter(busy, "8")).as("leases of calls that never left expire").isEmpty();
  }

  @Test
  void keysWithoutLimitsAndTheMasterKeyAreNotCounted() {
    RateLimits limits = new RateLimits(new InMemoryRateLimiter(clock));
    for (int i = 0; i < 100; i++) {
      assertThat(limits.admit(Caller.MASTER, "m" + i)).isEmpty();
      assertThat(limits.enter(Caller.MASTER, "m" + i)).isEmpty();
      assertThat(limits.admit(caller(key(OptionalLong.empty(), OptionalLong.empty())), "k" + i)).isEmpty();
    }
  }
}
