package dev.clincher.cache.store;

import dev.clincher.common.config.RotatingSecret;
import java.time.Duration;
import java.util.Optional;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.DefaultRedisCredentials;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

/** Opens the pooled Redis client the cache shares between its index and its entry store. */
public final class RedisClients {
  private RedisClients() {}

  /**
   * Where and how to reach Redis.
   *
   * @param password asked for its current value by every new connection (never by an open one), so after a reload
   *                 ({@code clincher rotate redis-password}, then SIGHUP) new connections present the new password
   *                 while the open ones stay authenticated
   * @param timeout  connect and read timeout: short, because a slow Redis must not hold up requests (they bypass the
   *                 cache instead)
   */
  public record Endpoint(String host, int port, Optional<String> username, Optional<RotatingSecret> password, boolean tls,
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
    if (endpoint.password().isPresent()) {
      RotatingSecret password = endpoint.password().get();
      String user = endpoint.username().orElse(null);
      config.credentialsProvider(() -> new DefaultRedisCredentials(user, password.current().reveal()));
    } else {
      endpoint.username().ifPresent(config::user);
    }
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(endpoint.maxConnections());
    pool.setMaxIdle(endpoint.maxConnections());
    pool.setMaxWait(endpoint.timeout());
    return RedisClient.builder().hostAndPort(new HostAndPort(endpoint.host(), endpoint.port()))
        .clientConfig(config.build()).poolConfig(pool).build();
  }
}
