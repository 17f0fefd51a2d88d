package dev.clincher.cache.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clincher.cache.store.RedisClients;
import dev.clincher.common.config.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import redis.clients.jedis.RedisClient;

/**
 * The real Redis the cache tests use: the one {@code clincher-cache/ci-setup-redis.sh} starts (its variables
 * {@code CLINCHER_TEST_REDIS_HOST}/{@code _PORT}/{@code _PASSWORD_FILE}, else its defaults 127.0.0.1:6390 and
 * {@code /tmp/clincher-test-redis/password}). Tests skip when it does not answer, but fail when {@code CI} is set.
 */
public final class TestRedis {
  private TestRedis() {}

  public static String host() {
    return env("CLINCHER_TEST_REDIS_HOST", "127.0.0.1");
  }

  public static int port() {
    return Integer.parseInt(env("CLINCHER_TEST_REDIS_PORT", "6390"));
  }

  /** The password (from the file the setup script wrote). */
  public static Secret password() {
    Path file = Path.of(env("CLINCHER_TEST_REDIS_PASSWORD_FILE", "/tmp/clincher-test-redis/password"));
    try {
      return Secret.of(Files.readString(file).trim());
    } catch (IOException e) {
      return Secret.of("");
    }
  }

  public static RedisClients.Endpoint endpoint() {
    return new RedisClients.Endpoint(host(), port(), Optional.empty(), Optional.of(
        dev.clincher.common.config.RotatingSecret.fixed("redis_password", password())), false,
        Duration.ofMillis(500), 8);
  }

  /** A client, after checking that Redis answers (skip locally, fail under CI). */
  public static RedisClient connect() {
    RedisClient client = RedisClients.open(endpoint());
    boolean up;
    try {
      up = "PONG".equalsIgnoreCase(client.ping());
    } catch (RuntimeException e) {
      up = false;
    }
    if (!up) {
      client.close();
      if (System.getenv("CI") != null) {
        throw new AssertionError("CI is set but no Redis answers on " + host() + ":" + port()
            + "; run clincher-cache/ci-setup-redis.sh first");
      }
      assumeTrue(false, "no Redis on " + host() + ":" + port() + " (run clincher-cache/ci-setup-redis.sh)");
    }
    return client;
  }

  /** A key prefix unique to one test, so tests never see each other's keys. */
  public static String uniquePrefix() {
    return "clincher-test:" + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
