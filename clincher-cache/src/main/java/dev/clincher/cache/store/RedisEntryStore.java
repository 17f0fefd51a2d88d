package dev.clincher.cache.store;

import dev.clincher.cache.index.CacheBackendException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/** Values as Redis strings with a TTL ({@code SET key value PX ttl}); Redis's {@code maxmemory} policy bounds them. */
public final class RedisEntryStore implements EntryStore {
  private final UnifiedJedis redis;
  private final String prefix;

  /** @param redis a pooled client (not closed here); @param prefix key prefix, e.g. {@code clincher:cache:} */
  public RedisEntryStore(UnifiedJedis redis, String prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  @Override
  public Optional<byte[]> get(String key) {
    try {
      return Optional.ofNullable(redis.get(key(key)));
    } catch (JedisException e) {
      throw new CacheBackendException("redis: reading an entry failed", e);
    }
  }

  @Override
  public void put(String key, byte[] value, Duration ttl) {
    try {
      redis.set(key(key), value, SetParams.setParams().px(Math.max(1, ttl.toMillis())));
    } catch (JedisException e) {
      throw new CacheBackendException("redis: storing an entry failed", e);
    }
  }

  @Override
  public boolean ping() {
    try {
      return "PONG".equalsIgnoreCase(redis.ping());
    } catch (JedisException e) {
      return false;
    }
  }

  private byte[] key(String key) {
    return (prefix + key).getBytes(StandardCharsets.UTF_8);
  }
}
