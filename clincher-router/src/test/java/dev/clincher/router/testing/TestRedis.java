package dev.clincher.router.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clincher.router.ratelimit.RedisRateLimiter;
import dev.clincher.router.spend.RedisSpendStore;
import java.net.URI;
import java.util.Optional;
import java.util.UUID;

/**
 * A real Redis for tests, from {@code REDIS_URL} (default {@code redis://127.0.0.1:6379}; {@code ci-setup-redis.sh}
 * starts one). Without one the test is skipped locally and fails when {@code CI} is set. Each store gets its own key
 * prefix, so tests never see each other's counters.
 */
public final class TestRedis {
  private TestRedis() {}

  public static URI url() {
    return URI.create(Optional.ofNullable(System.getenv("REDIS_URL")).orElse("redis://127.0.0.1:6379"));
  }

  /** A store on a fresh prefix; skips (locally) or fails (under CI) when Redis does not answer. */
  public static RedisSpendStore store() {
    return store("clincher-test:" + UUID.randomUUID() + ":");
  }

  /** A store on {@code prefix}: two of them are two router instances sharing one Redis. */
  public static RedisSpendStore store(String prefix) {
    RedisSpendStore store = RedisSpendStore.connect(url().getHost(), port(), Optional.empty(), prefix);
    if (!store.reachable()) {
      store.close();
      skipOrFail();
    }
    return store;
  }

  /** A rate limiter on {@code prefix}: two of them are two router instances sharing one Redis. */
  public static RedisRateLimiter rateLimiter(String prefix) {
    return rateLimiter(prefix, RedisRateLimiter.DEFAULT_MAX_ENTRIES);
  }

  /** The same, its logs bounded to {@code maxEntries}. */
  public static RedisRateLimiter rateLimiter(String prefix, int maxEntries) {
    RedisRateLimiter limiter = RedisRateLimiter.connect(url().getHost(), port(), Optional.empty(), prefix,
        maxEntries);
    if (!limiter.reachable()) {
      limiter.close();
      skipOrFail();
    }
    return limiter;
  }

  private static int port() {
    return url().getPort() < 0 ? 6379 : url().getPort();
  }

  private static void skipOrFail() {
    String message = "no Redis at " + url() + " (run clincher-router/ci-setup-redis.sh)";
    if (System.getenv("CI") != null) {
      fail(message);
    }
    assumeTrue(false, message);
  }
}
