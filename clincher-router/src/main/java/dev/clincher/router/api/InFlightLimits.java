package dev.clincher.router.api;

import dev.clincher.router.keys.Caller;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code max_parallel_requests} of virtual keys and their teams: a model call beyond either is answered 429 at once,
 * never queued. Counted per router instance (like the deployments' own limits).
 */
final class InFlightLimits {
  /** A call admitted: closing it lets the next one in. */
  interface Permit extends AutoCloseable {
    @Override
    void close();
  }

  private static final Permit NONE = () -> {};
  private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

  /** A permit for one call of {@code caller}, or empty when its key or team has as many calls in flight as allowed. */
  Optional<Permit> enter(Caller caller) {
    if (caller.key().isEmpty()) {
      return Optional.of(NONE);
    }
    String key = "key:" + caller.key().get().tokenHash();
    OptionalLong keyLimit = caller.key().get().maxParallelRequests();
    Optional<String> team = caller.team().map(t -> "team:" + t.teamId());
    OptionalLong teamLimit = caller.team().map(t -> t.maxParallelRequests()).orElse(OptionalLong.empty());
    if (keyLimit.isPresent() && !acquire(key, keyLimit.getAsLong())) {
      return Optional.empty();
    }
    if (team.isPresent() && teamLimit.isPresent() && !acquire(team.get(), teamLimit.getAsLong())) {
      release(key, keyLimit);
      return Optional.empty();
    }
    return Optional.of(() -> {
      release(key, keyLimit);
      team.ifPresent(id -> release(id, teamLimit));
    });
  }

  private boolean acquire(String id, long limit) {
    boolean[] admitted = {false};
    inFlight.compute(id, (name, count) -> {
      int now = count == null ? 0 : count;
      if (now >= limit) {
        return count;
      }
      admitted[0] = true;
      return now + 1;
    });
    return admitted[0];
  }

  private void release(String id, OptionalLong limit) {
    if (limit.isPresent()) {
      inFlight.computeIfPresent(id, (name, count) -> count <= 1 ? null : count - 1);
    }
  }
}
