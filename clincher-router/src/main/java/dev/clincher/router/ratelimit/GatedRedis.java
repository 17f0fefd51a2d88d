package dev.clincher.router.ratelimit;

import dev.clincher.cache.store.LuaScript;
import dev.clincher.cache.store.RedisClients;
import dev.clincher.common.config.RotatingSecret;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The router's pooled Redis client (as {@code RedisSpendStore.connect} opens it) behind a gate: no more callers at
 * once than there are connections. Hundreds of virtual threads borrowing from the commons-pool2 pool at once made it
 * spin on the carrier threads (BudgetConcurrencyTest); behind the gate a caller waits parked instead, at most
 * {@link #TIMEOUT}. Every failure is a {@link RateLimitUnavailableException}, so callers fail closed.
 */
final class GatedRedis implements AutoCloseable {
  static final int CONNECTIONS = 16;
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final RedisClient redis;
  private final Semaphore gate = new Semaphore(CONNECTIONS, true);

  private GatedRedis(RedisClient redis) {
    this.redis = redis;
  }

  /**
   * Connects lazily to {@code host:port}; {@code password} may be empty, and each new connection presents its current
   * value. Commands time out after {@link #TIMEOUT}.
   */
  static GatedRedis connect(String host, int port, Optional<RotatingSecret> password) {
    return new GatedRedis(RedisClients.open(new RedisClients.Endpoint(host, port, Optional.empty(), password, false,
        TIMEOUT, CONNECTIONS), "clincher-router"));
  }

  Object eval(LuaScript script, List<String> keys, List<String> args) {
    return call(redis -> script.eval(redis, keys, args));
  }

  /** Runs one call when a connection is free. */
  <T> T call(Function<RedisClient, T> command) {
    try {
      if (!gate.tryAcquire(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new RateLimitUnavailableException("no Redis connection free within " + TIMEOUT.toMillis() + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RateLimitUnavailableException("interrupted waiting for a Redis connection", e);
    }
    try {
      return command.apply(redis);
    } catch (JedisException e) {
      throw new RateLimitUnavailableException("Redis: " + e.getMessage(), e);
    } finally {
      gate.release();
    }
  }

  @Override
  public void close() {
    redis.close();
  }
}
