package dev.clincher.router.ratelimit;

import dev.clincher.cache.store.LuaScript;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Rate limits in Redis, shared exactly by every router on the same Redis and prefix: each operation is one Lua
 * script, timed by Redis's {@code TIME} (routers with skewed clocks agree).
 *
 * <p>Keys per subject, under {@code <prefix>{<subject>}} (one hash slot): {@code :log}, a sorted set of entries
 * ({@code <amount>:<id>} scored by the time recorded, ms); {@code :sum}, their sum (recounted from the log should it
 * be lost); {@code :leases}, a sorted set of lease ids scored by expiry. Every call drops what has left the window
 * or expired first. Bounds: a log keeps at most {@code maxEntries} entries (beyond, an amount joins the newest
 * entry, restamped: the sum stays exact, those amounts may count up to one window longer); {@code :log} and
 * {@code :sum} expire {@link #KEY_MARGIN} after the window of their newest entry, {@code :leases} that long after its
 * longest lease.
 */
public final class RedisRateLimiter implements RateLimiter {
  /** How long a key outlives the newest entry's window or the longest lease. */
  public static final Duration KEY_MARGIN = Duration.ofSeconds(1);

  /** Functions the scripts share. Amounts are whole numbers below 2^53, so Lua's doubles hold them exactly. */
  private static final String FUNCTIONS = """
      local function now()
        local t = redis.call('TIME')
        return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      end
      local function int(n) return string.format('%.0f', n) end
      local function amount(entry) return tonumber(string.match(entry, '^(%d+):')) end
      -- Drops the entries window ms old or older; returns the sum of those left.
      local function trim(log, sum, window, t, ttl)
        local kept = redis.call('GET', sum)
        local total = tonumber(kept or '0')
        if not kept then
          for _, entry in ipairs(redis.call('ZRANGE', log, 0, -1)) do total = total + amount(entry) end
        end
        local gone = redis.call('ZRANGEBYSCORE', log, '-inf', int(t - window))
        for _, entry in ipairs(gone) do total = total - amount(entry) end
        if #gone > 0 then redis.call('ZREMRANGEBYSCORE', log, '-inf', int(t - window)) end
        if redis.call('EXISTS', log) == 0 then
          redis.call('DEL', sum)
          return 0
        end
        if not kept or #gone > 0 then redis.call('SET', sum, int(total), 'PX', ttl) end
        return total
      end
      -- Records n at t under id; a log at max entries adds it to its newest entry instead, restamped t.
      local function add(log, sum, n, id, t, max, ttl)
        if n == 0 then return end
        local merged = n
        if redis.call('ZCARD', log) >= max then
          local newest = redis.call('ZRANGE', log, -1, -1)[1]
          merged = merged + amount(newest)
          redis.call('ZREM', log, newest)
        end
        local base = int(merged) .. ':' .. id
        local entry, copy = base, 0
        while redis.call('ZSCORE', log, entry) do
          copy = copy + 1
          entry = base .. '#' .. copy
        end
        redis.call('ZADD', log, int(t), entry)
        redis.call('INCRBY', sum, int(n))
        redis.call('PEXPIRE', log, ttl)
        redis.call('PEXPIRE', sum, ttl)
      end
      """;

  /**
   * KEYS: log, sum; ARGV: limit, window ms, cost, id, max entries, key ttl ms. Returns {1, used} when admitted, else
   * {0, used, ms until the oldest entries that free enough room have left the window}.
   */
  private static final LuaScript ADMIT = LuaScript.of(FUNCTIONS + """
      local limit, window, cost, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[6])
      local t = now()
      local used = trim(KEYS[1], KEYS[2], window, t, ttl)
      if used + cost <= limit then
        add(KEYS[1], KEYS[2], cost, ARGV[4], t, tonumber(ARGV[5]), ttl)
        return {1, int(used + cost)}
      end
      local need, freed, from = used + cost - limit, 0, 0
      while true do
        local batch = redis.call('ZRANGE', KEYS[1], from, from + 99, 'WITHSCORES')
        if #batch == 0 then return {0, int(used), window} end
        for i = 1, #batch, 2 do
          freed = freed + amount(batch[i])
          if freed >= need then return {0, int(used), tonumber(batch[i + 1]) + window - t} end
        end
        from = from + 100
      end""");

  /** KEYS: log, sum; ARGV: window ms, amount, id, max entries, key ttl ms. Returns the sum, this amount included. */
  private static final LuaScript RECORD = LuaScript.of(FUNCTIONS + """
      local window, n, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[5])
      local t = now()
      local used = trim(KEYS[1], KEYS[2], window, t, ttl)
      add(KEYS[1], KEYS[2], n, ARGV[3], t, tonumber(ARGV[4]), ttl)
      return int(used + n)""");

  /** KEYS: log, sum; ARGV: window ms, key ttl ms. Returns the sum. */
  private static final LuaScript USED = LuaScript.of(FUNCTIONS + """
      return int(trim(KEYS[1], KEYS[2], tonumber(ARGV[1]), now(), tonumber(ARGV[2])))""");

  /**
   * KEYS: leases; ARGV: max parallel, lease ms, id, key ttl ms. Returns {1, held} when admitted (a lease held by
   * {@code id} is renewed), else {0, held, ms until the soonest lease expires}.
   */
  private static final LuaScript ACQUIRE = LuaScript.of(FUNCTIONS + """
      local max, lease, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
      local t = now()
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(t))
      local held = redis.call('ZCARD', KEYS[1])
      if held >= max and not redis.call('ZSCORE', KEYS[1], ARGV[3]) then
        local soonest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return {0, held, tonumber(soonest[2]) - t}
      end
      redis.call('ZADD', KEYS[1], int(t + lease), ARGV[3])
      if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
      return {1, redis.call('ZCARD', KEYS[1])}""");

  /** KEYS: leases; ARGV: id. Returns 1 when {@code id} held a lease that had not expired, else 0. */
  private static final LuaScript RELEASE = LuaScript.of(FUNCTIONS + """
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now()))
      return redis.call('ZREM', KEYS[1], ARGV[1])""");

  private final GatedRedis redis;
  private final String prefix;
  private final int maxEntries;

  private RedisRateLimiter(GatedRedis redis, String prefix, int maxEntries) {
    this.redis = redis;
    this.prefix = prefix;
    this.maxEntries = maxEntries;
  }

  /** Connects (lazily, pooled, as the spend store does) with logs of at most {@link #DEFAULT_MAX_ENTRIES}. */
  public static RedisRateLimiter connect(String host, int port, Optional<dev.clincher.common.config.RotatingSecret> password, String prefix) {
    return connect(host, port, password, prefix, DEFAULT_MAX_ENTRIES);
  }

  /**
   * Connects (lazily, pooled) to {@code host:port}; {@code password} may be empty; keys start with {@code prefix}.
   * Commands time out after 2 s.
   */
  public static RedisRateLimiter connect(String host, int port, Optional<dev.clincher.common.config.RotatingSecret> password, String prefix,
      int maxEntries) {
    Objects.requireNonNull(prefix, "prefix");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
    }
    return new RedisRateLimiter(GatedRedis.connect(host, port, password), prefix, maxEntries);
  }

  @Override
  public Decision admit(String subject, long limit, Duration window, long cost, String id) {
    long windowMs = Arguments.window(subject, window);
    return Arguments.neverFits(limit, cost, id).orElseGet(() -> decision(redis.eval(ADMIT, logKeys(subject),
        List.of(Long.toString(limit), Long.toString(windowMs), Long.toString(cost), id, Integer.toString(maxEntries),
            keyTtl(windowMs)))));
  }

  @Override
  public long record(String subject, Duration window, long amount, String id) {
    long windowMs = Arguments.window(subject, window);
    Arguments.id(id);
    Arguments.amount("amount", amount);
    return number(redis.eval(RECORD, logKeys(subject), List.of(Long.toString(windowMs), Long.toString(amount), id,
        Integer.toString(maxEntries), keyTtl(windowMs))));
  }

  @Override
  public long used(String subject, Duration window) {
    long windowMs = Arguments.window(subject, window);
    return number(redis.eval(USED, logKeys(subject), List.of(Long.toString(windowMs), keyTtl(windowMs))));
  }

  @Override
  public Decision acquire(String subject, long maxParallel, Duration lease, String id) {
    Arguments.subject(subject);
    long leaseMs = Arguments.millis("lease", lease);
    return Arguments.neverFits(maxParallel, 1, id).orElseGet(() -> decision(redis.eval(ACQUIRE,
        List.of(leasesKey(subject)), List.of(Long.toString(maxParallel), Long.toString(leaseMs), id,
            keyTtl(leaseMs)))));
  }

  @Override
  public boolean release(String subject, String id) {
    Arguments.subject(subject);
    Arguments.id(id);
    return number(redis.eval(RELEASE, List.of(leasesKey(subject)), List.of(id))) > 0;
  }

  @Override
  public boolean reachable() {
    try {
      return "PONG".equals(redis.call(client -> client.ping()));
    } catch (RateLimitUnavailableException e) {
      return false;
    }
  }

  @Override
  public void close() {
    redis.close();
  }

  /** The keys of {@code subject}'s log: {@code :log} and {@code :sum}. */
  List<String> logKeys(String subject) {
    String base = prefix + "{" + subject + "}";
    return List.of(base + ":log", base + ":sum");
  }

  String leasesKey(String subject) {
    return prefix + "{" + subject + "}:leases";
  }

  private static String keyTtl(long millis) {
    return Long.toString(millis + KEY_MARGIN.toMillis());
  }

  /** {1, used} or {0, used, retry ms}. */
  private static Decision decision(Object result) {
    List<?> reply = (List<?>) result;
    long used = number(reply.get(1));
    if (number(reply.get(0)) == 1) {
      return new Decision.Admitted(used);
    }
    return new Decision.Refused(used, Duration.ofMillis(Math.max(1, number(reply.get(2)))));
  }

  /** A Lua integer (Long) or a whole number sent as a string (exact beyond Lua's integer replies). */
  private static long number(Object value) {
    return switch (value) {
      case Long n -> n;
      case byte[] bytes -> Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
      default -> Long.parseLong(String.valueOf(value));
    };
  }
}
