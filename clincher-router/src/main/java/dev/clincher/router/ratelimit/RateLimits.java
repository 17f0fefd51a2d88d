package dev.clincher.router.ratelimit;

import dev.clincher.router.keys.Caller;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.spend.Refusal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A call's rate limits on the sliding-window {@link RateLimiter}, for its virtual key and the key's team:
 * {@code rpm_limit} (this call counts when admitted), {@code tpm_limit} (the tokens of the last minute's answers,
 * recorded after each call) and {@code max_parallel_requests} (a lease per call in flight). Exact across router
 * instances sharing Redis; a limiter that does not answer refuses the call (fail closed).
 *
 * <p>Checks run key first, then team; a call the team refuses still counts toward its key's rpm (the limiter has no
 * transaction across subjects), which errs toward refusing. A call in flight holds its parallel lease for at most
 * {@link #PARALLEL_LEASE}: a router that dies holding one frees it then, and a call running longer stops counting.
 */
public final class RateLimits {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  static final Duration MINUTE = Duration.ofMinutes(1);
  /** How long one call holds a {@code max_parallel_requests} lease at most. */
  public static final Duration PARALLEL_LEASE = Duration.ofMinutes(10);

  /** Whose limits: the key's or its team's, with the subject names of each limit. */
  private record Owner(String kind, String id, OptionalLong rpm, OptionalLong tpm, OptionalLong parallel) {
    String subject(String limit) {
      return limit + ":" + kind + ":" + id;
    }

    String scope(String limit) {
      return kind + "_" + limit;
    }

    String named() {
      return kind.equals("key") ? "this key" : "this key's team";
    }
  }

  /**
   * Told what is left of a limit whenever a call reads or changes it: {@code owner} {@code key} or {@code team},
   * {@code id} the key's token hash or the SHA-256 of the team id, {@code limit} {@code rpm} or {@code tpm}.
   */
  @FunctionalInterface
  public interface Remaining {
    Remaining IGNORED = (owner, id, limit, remaining) -> {};

    void left(String owner, String id, String limit, long remaining);
  }

  private final RateLimiter limiter;
  private final Remaining remaining;

  public RateLimits(RateLimiter limiter) {
    this(limiter, Remaining.IGNORED);
  }

  public RateLimits(RateLimiter limiter, Remaining remaining) {
    this.limiter = limiter;
    this.remaining = remaining;
  }

  /** Before a call: the tpm and rpm (counting this call, {@code requestId}) of the key and its team; the first refusal. */
  public Optional<Refusal> admit(Caller caller, String requestId) {
    try {
      for (Owner owner : owners(caller)) {
        Optional<Refusal> refusal = admit(owner, requestId);
        if (refusal.isPresent()) {
          return refusal;
        }
      }
      return Optional.empty();
    } catch (RateLimitUnavailableException e) {
      return unavailable(e);
    }
  }

  private Optional<Refusal> admit(Owner owner, String requestId) {
    if (owner.tpm().isPresent()) {
      long used = limiter.used(owner.subject("tpm"), MINUTE);
      tell(owner, "tpm", owner.tpm().getAsLong(), used);
      if (used >= owner.tpm().getAsLong()) {
        return Optional.of(Refusal.rateLimit(owner.scope("tpm"), owner.named() + " used " + used + " of its "
            + owner.tpm().getAsLong() + " tokens in the last minute", MINUTE));
      }
    }
    if (owner.rpm().isPresent()) {
      Decision decision = limiter.admit(owner.subject("rpm"), owner.rpm().getAsLong(), MINUTE, 1, requestId);
      switch (decision) {
        case Decision.Admitted admitted -> tell(owner, "rpm", owner.rpm().getAsLong(), admitted.used());
        case Decision.Refused refused -> tell(owner, "rpm", owner.rpm().getAsLong(), refused.used());
        case Decision.NeverFits never -> tell(owner, "rpm", 0, 0);
      }
      if (decision instanceof Decision.Refused refused) {
        return Optional.of(Refusal.rateLimit(owner.scope("rpm"), owner.named() + " is at its limit of "
            + owner.rpm().getAsLong() + " requests per minute", refused.retryAfter()));
      }
      if (decision instanceof Decision.NeverFits) {
        return Optional.of(Refusal.rateLimit(owner.scope("rpm"), owner.named() + " may make no requests", MINUTE));
      }
    }
    return Optional.empty();
  }

  /** After a call: its tokens toward the key's and the team's tpm. A failure is logged, not thrown (the answer is out). */
  public void record(Caller caller, long tokens, String requestId) {
    if (tokens <= 0) {
      return;
    }
    for (Owner owner : owners(caller)) {
      if (owner.tpm().isPresent()) {
        try {
          long used = limiter.record(owner.subject("tpm"), MINUTE, tokens, requestId);
          tell(owner, "tpm", owner.tpm().getAsLong(), used);
        } catch (RateLimitUnavailableException e) {
          LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("router.rate_limit.record_failed");
        }
      }
    }
  }

  /**
   * A call starts: takes a lease under the key's and the team's {@code max_parallel_requests}; the refusal when
   * either has as many calls in flight as allowed. Every call entered must {@link #leave} with the same id.
   */
  public Optional<Refusal> enter(Caller caller, String callId) {
    List<Owner> held = new ArrayList<>(2);
    try {
      for (Owner owner : owners(caller)) {
        if (owner.parallel().isEmpty()) {
          continue;
        }
        Decision decision = limiter.acquire(owner.subject("parallel"), owner.parallel().getAsLong(), PARALLEL_LEASE,
            callId);
        if (!(decision instanceof Decision.Admitted)) {
          leave(held, callId);
          return Optional.of(new Refusal(429, "rate_limit_error", "max_parallel_requests", "Max parallel request "
              + "limit reached: " + owner.named() + " has its " + owner.parallel().getAsLong()
              + " calls (max_parallel_requests) in flight", owner.scope("parallel"),
              Optional.of(Duration.ofSeconds(1))));
        }
        held.add(owner);
      }
      return Optional.empty();
    } catch (RateLimitUnavailableException e) {
      leave(held, callId);
      return unavailable(e);
    }
  }

  /** A call entered with {@link #enter} ended: its leases go. */
  public void leave(Caller caller, String callId) {
    leave(owners(caller).stream().filter(owner -> owner.parallel().isPresent()).toList(), callId);
  }

  private void leave(List<Owner> owners, String callId) {
    for (Owner owner : owners) {
      try {
        limiter.release(owner.subject("parallel"), callId);
      } catch (RateLimitUnavailableException e) { // the lease expires by itself
        LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("router.rate_limit.release_failed");
      }
    }
  }

  private void tell(Owner owner, String limit, long max, long used) {
    remaining.left(owner.kind(), owner.id(), limit, Math.max(0, max - used));
  }

  /** Whether the limiter answers (readiness). */
  public boolean reachable() {
    return limiter.reachable();
  }

  /** The key, then its team; only those with a limit. The master key has none. */
  private static List<Owner> owners(Caller caller) {
    List<Owner> owners = new ArrayList<>(2);
    caller.key().map(RateLimits::owner).filter(RateLimits::limited).ifPresent(owners::add);
    caller.team().map(RateLimits::owner).filter(RateLimits::limited).ifPresent(owners::add);
    return owners;
  }

  private static Owner owner(VirtualKey key) {
    return new Owner("key", key.tokenHash(), key.rpmLimit(), key.tpmLimit(), key.maxParallelRequests());
  }

  private static Owner owner(Team team) {
    return new Owner("team", VirtualKey.hash(team.teamId()), team.rpmLimit(), team.tpmLimit(),
        team.maxParallelRequests());
  }

  private static boolean limited(Owner owner) {
    return owner.rpm().isPresent() || owner.tpm().isPresent() || owner.parallel().isPresent();
  }

  private static Optional<Refusal> unavailable(RateLimitUnavailableException e) {
    LOG.atError().addKeyValue("exception", e.getClass().getName()).log("router.rate_limit.unavailable");
    return Optional.of(Refusal.storeUnavailable());
  }
}
