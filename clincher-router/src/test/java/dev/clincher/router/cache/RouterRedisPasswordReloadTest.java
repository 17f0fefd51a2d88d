package dev.clincher.router.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.config.RotatingSecret;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RedisServerProcess;
import dev.clincher.router.testing.RunningRouter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's Redis password from {@code REDIS_PASSWORD_FILE} (spend counters, rate limits and the cache, on a
 * {@code redis-server} reading its users from an ACL file) is re-read by a reload (SIGHUP): both copies report
 * {@code rotated}, and the router keeps answering, from the cache too, after Redis has forgotten the old password.
 */
@Timeout(120)
class RouterRedisPasswordReloadTest {
  static final String OLD = "old-redis-password-0123456789abcdef";
  static final String NEW = "new-redis-password-fedcba9876543210";
  static final String ADMIN = "test-admin-password-0123456789";

  @Test
  void aReloadedPasswordIsPresentedByNewConnectionsAndTheOldOneCanBeDropped(@TempDir Path directory)
      throws Exception {
    Path acl = directory.resolve("users.acl");
    Files.writeString(acl, users(OLD));
    Path passwordFile = Files.writeString(directory.resolve("redis_password"), OLD);
    try (RedisServerProcess redis = RedisServerProcess.withAclFile(acl);
        FakeUpstream upstream = FakeUpstream.start()) {
      upstream.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.completion("chatcmpl-0", "an answer")));
      String config = """
          model_list:
            - model_name: gpt-test
              litellm_params: {model: openai/gpt-4.1, api_base: %s, api_key: os.environ/FAKE_API_KEY}
          litellm_settings:
            cache: true
            cache_params: {type: redis, host: 127.0.0.1, port: %d, ttl: 600}
          """.formatted(upstream.apiBase(), redis.port());
      try (RunningRouter router = RunningRouter.start(directory, config, Map.of("REDIS_HOST", "127.0.0.1",
          "REDIS_PORT", String.valueOf(redis.port()), "REDIS_PASSWORD_FILE", passwordFile.toString()))) {
        assertThat(cacheHeader(router, "What is the capital of France?")).isEqualTo("miss");

        Files.writeString(acl, users(OLD, NEW));
        admin(redis, "ACL LOAD");
        Files.writeString(passwordFile, NEW);
        assertThat(router.server().reloadSecrets()).filteredOn(reload -> reload.secret().contains("redis"))
            .extracting(RotatingSecret.Reload::secret, RotatingSecret.Reload::outcome)
            .containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("redis_password", RotatingSecret.Outcome.ROTATED),
                org.assertj.core.groups.Tuple.tuple("cache_redis_password", RotatingSecret.Outcome.ROTATED));

        Files.writeString(acl, users(NEW));
        admin(redis, "ACL LOAD");
        assertThat(cacheHeader(router, "What is the capital of France?")).isEqualTo("hit");
        assertThat(cacheHeader(router, "What is the capital of Italy?")).isEqualTo("miss");
        assertThat(cacheHeader(router, "What is the capital of Italy?")).isEqualTo("hit");
      }
    }
  }

  /** The default user with {@code passwords}, and an admin for the test's own ACL LOAD. */
  static String users(String... passwords) {
    StringBuilder line = new StringBuilder("user default on");
    for (String password : passwords) {
      line.append(" #").append(sha256(password));
    }
    return line + " ~* &* +@all -@dangerous\nuser admin on #" + sha256(ADMIN) + " ~* &* +@all\n";
  }

  static void admin(RedisServerProcess redis, String command) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), redis.port())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(("AUTH admin " + ADMIN + "\r\n" + command + "\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] reply = new byte[10];
      int read = socket.getInputStream().readNBytes(reply, 0, reply.length);
      assertThat(new String(reply, 0, read, StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n+OK\r\n");
    }
  }

  static String cacheHeader(RunningRouter router, String question) throws Exception {
    HttpResponse<String> response = router.post("/v1/chat/completions", RouterCacheRedisOutageTest.ask(question));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.headers().firstValue("x-clincher-cache").orElse("");
  }

  static String sha256(String text) throws IllegalStateException {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
