package dev.clincher.router.ratelimit;

import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.spend.Refusal;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A call's rate limits on the sliding-window {@link RateLimiter}: a virtual key's {@code rpm_limit} (this call counts
 * when admitted) and {@code tpm_limit} (the tokens of the last minute's answers, recorded after each call). Exact
 * across router instances sharing Redis; a limiter that does not answer refuses the call (fail closed).
 */
public final class RateLimits {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  static final Duration MINUTE = Duration.ofMinutes(1);

  private final RateLimiter limiter;

  public RateLimits(RateLimiter limiter) {
    this.limiter = limiter;
  }

  /** Before a call: the key's rpm (counting this call, {@code requestId}) and tpm; the first refusal, if any. */
  public Optional<Refusal> admit(Optional<VirtualKey> key, String requestId) {
    if (key.isEmpty() || (key.get().rpmLimit().isEmpty() && key.get().tpmLimit().isEmpty())) {
      return Optional.empty();
    }
    VirtualKey k = key.get();
    try {
      if (k.tpmLimit().isPresent()) {
        long used = limiter.used(tpm(k), MINUTE);
        if (used >= k.tpmLimit().getAsLong()) {
          return Optional.of(Refusal.rateLimit("key_tpm", "this key used " + used + " of its "
              + k.tpmLimit().getAsLong() + " tokens in the last minute", MINUTE));
        }
      }
      if (k.rpmLimit().isPresent()) {
        Decision decision = limiter.admit(rpm(k), k.rpmLimit().getAsLong(), MINUTE, 1, requestId);
        if (decision instanceof Decision.Refused refused) {
          return Optional.of(Refusal.rateLimit("key_rpm", "this key is at its limit of " + k.rpmLimit().getAsLong()
              + " requests per minute", refused.retryAfter()));
        }
        if (decision instanceof Decision.NeverFits) {
          return Optional.of(Refusal.rateLimit("key_rpm", "this key may make no requests", MINUTE));
        }
      }
      return Optional.empty();
    } catch (RateLimitUnavailableException e) {
      LOG.atError().addKeyValue("exception", e.getClass().getName()).log("router.rate_limit.unavailable");
      return Optional.of(Refusal.storeUnavailable());
    }
  }

  /** After a call: its tokens toward the key's tpm. A limiter failure is logged, not thrown (the answer is out). */
  public void record(Optional<VirtualKey> key, long tokens, String requestId) {
    if (key.isEmpty() || key.get().tpmLimit().isEmpty() || tokens <= 0) {
      return;
    }
    try {
      limiter.record(tpm(key.get()), MINUTE, tokens, requestId);
    } catch (RateLimitUnavailableException e) {
      LOG.atWarn().addKeyValue("exception", e.getClass().getName()).log("router.rate_limit.record_failed");
    }
  }

  /** Whether the limiter answers (readiness). */
  public boolean reachable() {
    return limiter.reachable();
  }

  private static String rpm(VirtualKey key) {
    return "rpm:key:" + key.tokenHash();
  }

  private static String tpm(VirtualKey key) {
    return "tpm:key:" + key.tokenHash();
  }
}
