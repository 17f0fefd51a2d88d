package dev.clincher.router.spend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import dev.clincher.cache.store.LuaScript;
import dev.clincher.cache.store.RedisClients;
import dev.clincher.common.config.RotatingSecret;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Counters in Redis, shared by every router instance; reservations are leases kept beside each counter (see
 * {@link #RESERVE}). One Lua script per increment ({@code INCRBY}, then
 * {@code PEXPIRE} only when the counter has no expiry yet), so increments are atomic and exact; the increments of
 * one answered call go in one script (one round trip). Keys are
 * {@code <prefix><counter>}; the default prefix is {@value #DEFAULT_PREFIX}.
 */
public final class RedisSpendStore implements SpendStore {
  public static final String DEFAULT_PREFIX = "clincher:router:";
  private static final LuaScript ADD = LuaScript.of("""
      local v = redis.call('INCRBY', KEYS[1], ARGV[1])
      local ttl = tonumber(ARGV[2])
      if ttl > 0 and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
      return v""");

  private static final LuaScript ADD_ALL = LuaScript.of("""
      for i, key in ipairs(KEYS) do
        redis.call('INCRBY', key, ARGV[2 * i - 1])
        local ttl = tonumber(ARGV[2 * i])
        if ttl > 0 and redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ttl) end
      end
      return #KEYS""");

  /**
   * Per held counter C: {@code C|held} (the sum held), {@code C|leases} (lease → expiry, ms, by Redis's clock) and
   * {@code C|amounts} (lease → amount). Expired leases are let go first; then every hold must fit; then all are held.
   * KEYS: four per hold (C, C|held, C|leases, C|amounts); ARGV: lease, lease ttl ms, then amount and limit per hold.
   * Returns 0, or {index, spent and held} of the first hold that does not fit.
   */
  private static final LuaScript RESERVE = LuaScript.of("""
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local id, ttl = ARGV[1], tonumber(ARGV[2])
      local n = #KEYS / 4
      for i = 1, n do
        local held, leases, amounts = KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i]
        for _, gone in ipairs(redis.call('ZRANGEBYSCORE', leases, '-inf', now)) do
          local amount = redis.call('HGET', amounts, gone)
          if amount then
            redis.call('DECRBY', held, amount)
            redis.call('HDEL', amounts, gone)
          end
          redis.call('ZREM', leases, gone)
        end
      end
      local adding = {}
      for i = 1, n do
        local counter, held = KEYS[4 * i - 3], KEYS[4 * i - 2]
        local amount, limit = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
        local current = tonumber(redis.call('GET', counter) or '0') + tonumber(redis.call('GET', held) or '0')
          + (adding[counter] or 0)
        if limit >= 0 and current + amount > limit then return {i, string.format('%.0f', current)} end
        adding[counter] = (adding[counter] or 0) + amount
      end
      local keep = ttl + 60000
      for i = 1, n do
        local held, leases, amounts = KEYS[4 * i - 2], KEYS[4 * i - 1], KEYS[4 * i]
        redis.call('INCRBY', held, ARGV[2 * i + 1])
        redis.call('HINCRBY', amounts, id, ARGV[2 * i + 1])
        redis.call('ZADD', leases, now + ttl, id)
        for _, key in ipairs({held, leases, amounts}) do
          if redis.call('PTTL', key) < keep then redis.call('PEXPIRE', key, keep) end
        end
      end
      return 0""");

  /**
   * Lets go of a lease's holds and adds the actual amounts. KEYS: three per hold (C|held, C|leases, C|amounts), then
   * one per actual increment; ARGV: lease, number of holds, then delta and ttl ms per increment.
   */
  private static final LuaScript SETTLE = LuaScript.of("""
      local id, n = ARGV[1], tonumber(ARGV[2])
      for i = 1, n do
        local held, leases, amounts = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
        local amount = redis.call('HGET', amounts, id)
        if amount then
          redis.call('DECRBY', held, amount)
          redis.call('HDEL', amounts, id)
        end
        redis.call('ZREM', leases, id)
      end
      for j = 1, #KEYS - 3 * n do
        local counter, delta, ttl = KEYS[3 * n + j], ARGV[2 * j + 1], tonumber(ARGV[2 * j + 2])
        if tonumber(delta) ~= 0 then
          redis.call('INCRBY', counter, delta)
          if ttl > 0 and redis.call('PTTL', counter) < 0 then redis.call('PEXPIRE', counter, ttl) end
        end
      end
      return 0""");

  /** Connections to Redis, and calls in flight at most (more wait for a turn, at most {@link #TIMEOUT}). */
  static final int CONNECTIONS = 16;
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final RedisClient redis;
  private final String prefix;
  /**
   * Admits no more callers than there are connections. Hundreds of virtual threads borrowing from the connection
   * pool at once made commons-pool2's object creation spin on both carrier threads (seen in BudgetConcurrencyTest);
   * with this gate a caller waits here, parked, instead.
   */
  private final Semaphore gate = new Semaphore(CONNECTIONS, true);

  private RedisSpendStore(RedisClient redis, String prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /** Runs one Redis call when a connection is free; throws (so callers fail closed) after {@link #TIMEOUT}. */
  private <T> T call(java.util.function.Supplier<T> redisCall) {
    try {
      if (!gate.tryAcquire(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new JedisException("no Redis connection free within " + TIMEOUT.toMillis() + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JedisException("interrupted waiting for a Redis connection");
    }
    try {
      return redisCall.get();
    } finally {
      gate.release();
    }
  }

  /**
   * Connects (lazily, pooled) to {@code host:port}; {@code password} may be empty, and each new connection presents
   * its current value. Commands time out after 2 s.
   */
  public static RedisSpendStore connect(String host, int port, Optional<RotatingSecret> password, String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    RedisClient client = RedisClients.open(new RedisClients.Endpoint(host, port, Optional.empty(), password, false,
        TIMEOUT, CONNECTIONS), "clincher-router");
    return new RedisSpendStore(client, prefix);
  }

  @Override
  public long add(String key, long delta, Duration ttl) {
    Object value = call(() -> ADD.eval(redis, List.of(prefix + key),
        List.of(Long.toString(delta), Long.toString(ttl.toMillis()))));
    return (Long) value;
  }

  @Override
  public void addAll(List<Increment> increments) {
    if (increments.isEmpty()) {
      return;
    }
    List<String> keys = new java.util.ArrayList<>(increments.size());
    List<String> args = new java.util.ArrayList<>(increments.size() * 2);
    for (Increment increment : increments) {
      keys.add(prefix + increment.key());
      args.add(Long.toString(increment.delta()));
      args.add(Long.toString(increment.ttl().toMillis()));
    }
    call(() -> ADD_ALL.eval(redis, keys, args));
  }

  @Override
  public Optional<Shortfall> reserve(String lease, List<Hold> holds, Duration leaseTtl) {
    if (holds.isEmpty()) {
      return Optional.empty();
    }
    List<String> keys = new ArrayList<>(holds.size() * 4);
    List<String> args = new ArrayList<>(2 + holds.size() * 2);
    args.add(lease);
    args.add(Long.toString(leaseTtl.toMillis()));
    for (Hold hold : holds) {
      String counter = prefix + hold.key();
      keys.addAll(List.of(counter, counter + "|held", counter + "|leases", counter + "|amounts"));
      args.add(Long.toString(hold.amount()));
      args.add(Long.toString(hold.limit()));
    }
    Object result = call(() -> RESERVE.eval(redis, keys, args));
    if (result instanceof List<?> shortfall) {
      Object current = shortfall.get(1);
      String text = current instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.US_ASCII)
          : String.valueOf(current);
      return Optional.of(new Shortfall(((Long) shortfall.get(0)).intValue() - 1, Long.parseLong(text)));
    }
    return Optional.empty();
  }

  @Override
  public void settle(String lease, List<Hold> holds, List<Increment> actual) {
    if (holds.isEmpty() && actual.isEmpty()) {
      return;
    }
    List<String> keys = new ArrayList<>(holds.size() * 3 + actual.size());
    List<String> args = new ArrayList<>(2 + actual.size() * 2);
    args.add(lease);
    args.add(Integer.toString(holds.size()));
    for (Hold hold : holds) {
      String counter = prefix + hold.key();
      keys.addAll(List.of(counter + "|held", counter + "|leases", counter + "|amounts"));
    }
    for (Increment increment : actual) {
      keys.add(prefix + increment.key());
      args.add(Long.toString(increment.delta()));
      args.add(Long.toString(increment.ttl().toMillis()));
    }
    call(() -> SETTLE.eval(redis, keys, args));
  }

  @Override
  public long get(String key) {
    String value = call(() -> redis.get(prefix + key));
    return value == null ? 0 : Long.parseLong(value);
  }

  @Override
  public boolean reachable() {
    try {
      return "PONG".equals(call(redis::ping));
    } catch (JedisException e) {
      return false;
    }
  }

  @Override
  public void close() {
    redis.close();
  }
}
