package dev.clincher.cache.store;

import dev.clincher.common.config.Secret;
import java.time.Duration;
import java.util.Optional;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

/** Opens the pooled Redis client the cache shares between its index and its entry store. */
public final class RedisClients {
  private RedisClients() {}

  /**
   * Where and how to reach Redis.
   *
   * @param timeout connect and read timeout: short, because a slow Redis must not hold up requests (they bypass the
   *                cache instead)
   */
  public record Endpoint(String host, int port, Optional<String> username, Optional<Secret> password, boolean tls,
      Duration timeout, int maxConnections) {}

  /** A pooled client; nothing is sent until the first command. */
  public static RedisClient open(Endpoint endpoint) {
    return open(endpoint, "clincher-cache");
  }

  /** The same, naming its connections {@code clientName} (Redis's CLIENT LIST shows it). */
  public static RedisClient open(Endpoint endpoint, String clientName) {
    DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis((int) endpoint.timeout().toMillis())
        .socketTimeoutMillis((int) endpoint.timeout().toMillis())
        .ssl(endpoint.tls())
        .clientName(clientName);
    endpoint.username().ifPresent(config::user);
    endpoint.password().ifPresent(secret -> config.password(secret.reveal()));
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(endpoint.maxConnections());
    pool.setMaxIdle(endpoint.maxConnections());
    pool.setMaxWait(endpoint.timeout());
    return RedisClient.builder().hostAndPort(new HostAndPort(endpoint.host(), endpoint.port()))
        .clientConfig(config.build()).poolConfig(pool).build();
  }
}
