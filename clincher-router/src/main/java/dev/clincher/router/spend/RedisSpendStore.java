package dev.clincher.router.spend;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Counters in Redis, shared by every router instance: one Lua script per increment ({@code INCRBY}, then
 * {@code PEXPIRE} only when the counter has no expiry yet), so increments are atomic and exact; the increments of
 * one answered call go in one script (one round trip). Keys are
 * {@code <prefix><counter>}; the default prefix is {@value #DEFAULT_PREFIX}.
 */
public final class RedisSpendStore implements SpendStore {
  public static final String DEFAULT_PREFIX = "clincher:router:";
  private static final String ADD = """
      local v = redis.call('INCRBY', KEYS[1], ARGV[1])
      local ttl = tonumber(ARGV[2])
      if ttl > 0 and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
      return v""";

  private static final String ADD_ALL = """
      for i, key in ipairs(KEYS) do
        redis.call('INCRBY', key, ARGV[2 * i - 1])
        local ttl = tonumber(ARGV[2 * i])
        if ttl > 0 and redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ttl) end
      end
      return #KEYS""";

  private final RedisClient redis;
  private final String prefix;

  private RedisSpendStore(RedisClient redis, String prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /**
   * Connects (lazily, pooled) to {@code host:port}; {@code password} may be empty. Commands time out after 2 s.
   */
  public static RedisSpendStore connect(String host, int port, Optional<String> password, String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(2000).socketTimeoutMillis(2000).clientName("clincher-router");
    password.filter(p -> !p.isEmpty()).ifPresent(config::password);
    RedisClient client = RedisClient.builder().hostAndPort(new HostAndPort(host, port)).clientConfig(config.build())
        .build();
    return new RedisSpendStore(client, prefix);
  }

  @Override
  public long add(String key, long delta, Duration ttl) {
    Object value = redis.eval(ADD, List.of(prefix + key), List.of(Long.toString(delta), Long.toString(ttl.toMillis())));
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
    redis.eval(ADD_ALL, keys, args);
  }

  @Override
  public long get(String key) {
    String value = redis.get(prefix + key);
    return value == null ? 0 : Long.parseLong(value);
  }

  @Override
  public boolean reachable() {
    try {
      return "PONG".equals(redis.ping());
    } catch (JedisException e) {
      return false;
    }
  }

  @Override
  public void close() {
    redis.close();
  }
}
