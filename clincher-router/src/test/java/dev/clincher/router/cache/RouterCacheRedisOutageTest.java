package dev.clincher.router.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.cache.semantic.SemanticCache;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RedisServerProcess;
import dev.clincher.router.testing.RunningRouter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache's Redis (a {@code redis-server} of this test's own, no password) is killed and started again while the router serves
 * requests: no request fails, readiness stays 200 with the {@code cache} check {@code degraded} during the outage,
 * and the cache serves hits again once Redis is back.
 */
@Timeout(120)
class RouterCacheRedisOutageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long the router may take to notice Redis is back (it skips Redis for 2 s after a failure). */
  private static final Duration RECOVERY = Duration.ofSeconds(15);

  static String ask(String question) {
    return """
        {"model":"gpt-test","messages":[{"role":"user","content":"%s"}]}""".formatted(question);
  }

  @Test
  void redisRestartMidRunFailsNoRequestAndKeepsTheRouterReady(@TempDir Path directory) throws Exception {
    try (RedisServerProcess redis = RedisServerProcess.start();
        FakeUpstream upstream = FakeUpstream.start()) {
      upstream.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.completion("chatcmpl-0", "an answer")));
      try (RunningRouter router = RunningRouter.start(directory,
          RouterCacheTest.config(upstream.apiBase(), redis.port(), "outage"), Map.of())) {
        int failed = 0;
        failed += status(router, "What is the capital of France?", "miss");
        failed += status(router, "What is the capital of France?", "hit");
        assertThat(cacheCheck(router)).isEqualTo("healthy");

        redis.stop();
        for (int i = 0; i < 10; i++) {
          failed += status(router, i % 2 == 0 ? "What is the capital of France?" : "Question " + i, "miss");
        }
        HttpResponse<String> readiness = router.get("/health/readiness");
        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
        assertThat(cacheCheck(router)).isEqualTo("degraded");
        assertThat(router.scrape().body()).contains("clincher_router_cache_errors_total");

        redis.restart();
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        while (!cacheCheck(router).equals("healthy") && System.nanoTime() < deadline) {
          failed += status(router, "Are you back?", null);
          Thread.sleep(200);
        }
        assertThat(cacheCheck(router)).isEqualTo("healthy");
        // the last failed lookup's bypass window runs out
        Thread.sleep(SemanticCache.BYPASS_AFTER_FAILURE.plusMillis(100).toMillis());
        failed += status(router, "What is the capital of Italy?", "miss");
        failed += status(router, "What is the capital of Italy?", "hit");
        assertThat(failed).as("requests that did not answer 200").isZero();
      }
    }
  }

  /** 1 when the request did not answer 200 (or, when {@code expected} is set, not with that cache header). */
  private static int status(RunningRouter router, String question, String expected) throws Exception {
    HttpResponse<String> response = router.post("/v1/chat/completions", ask(question));
    if (response.statusCode() != 200) {
      return 1;
    }
    if (expected != null) {
      assertThat(response.headers().firstValue("x-clincher-cache")).as(question).contains(expected);
    }
    return 0;
  }

  private static String cacheCheck(RunningRouter router) throws Exception {
    JsonNode body = JSON.readTree(router.get("/health/readiness").body());
    return body.path("checks").path("cache").path("status").asText();
  }
}
