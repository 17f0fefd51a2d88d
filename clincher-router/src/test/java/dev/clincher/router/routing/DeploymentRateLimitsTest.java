package dev.clincher.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.testing.ManualClock;
import dev.clincher.router.ratelimit.RateLimiter;
import dev.clincher.router.spend.RedisSpendStore;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Delayed;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RedisServerProcess;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TestRedis;
import dev.clincher.router.testing.WireAssertions;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment's {@code rpm} and {@code tpm} under {@code usage-based-routing-v2}, end to end: real routers, a fake
 * provider that counts what reaches it, the in-process limiter or a real Redis shared by two routers.
 */
@Timeout(120)
class DeploymentRateLimitsTest {
  static final String CHAT = "{\"model\":\"capped\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  /** Tokens of each fake answer ({@link OpenAiWire#completion}'s usage). */
  static final long TOKENS = 15;

  @TempDir
  Path directory;

  /** One group {@code capped} of one deployment {@code id} with {@code limits} (YAML flow entries). */
  static String oneDeployment(FakeUpstream fake, String id, String limits, String strategy) {
    return """
        model_list:
          - model_name: capped
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", %s}
            model_info: {id: "%s"}
        router_settings: {routing_strategy: %s, num_retries: 0}
        """.formatted(fake.apiBase(), limits, id, strategy);
  }

  /** A fake that holds every answer 300 ms, so a burst's calls are all in flight together. */
  static FakeUpstream slowFake() throws Exception {
    FakeUpstream fake = FakeUpstream.start();
    fake.setDefault(new Delayed(Duration.ofMillis(300), new Json(200, Map.of(), OpenAiWire.completion("c", "ok"))));
    return fake;
  }

  static Map<String, String> sharedRedis() {
    TestRedis.store().close(); // skips (locally) or fails (CI) without Redis
    URI redis = TestRedis.url();
    return Map.of("REDIS_HOST", redis.getHost(), "REDIS_PORT",
        String.valueOf(redis.getPort() < 0 ? 6379 : redis.getPort()));
  }

  @Test
  void sixtyConcurrentCallsAgainstAnRpmOfTwentySendExactlyTwenty() throws Exception {
    try (FakeUpstream fake = slowFake();
        RunningRouter router = RunningRouter.start(directory,
            oneDeployment(fake, "solo", "rpm: 20", "usage-based-routing-v2"), Map.of())) {
      List<HttpResponse<String>> answers = burst(List.of(router), CHAT, 60);
      assertThat(fake.calls()).hasSize(20);
      assertServedAndRefused(answers, 20);
    }
  }

  @Test
  void twoRoutersOnOneRedisSendExactlyTheRpmBetweenThem() throws Exception {
    Map<String, String> env = sharedRedis();
    String id = "shared-" + UUID.randomUUID();
    try (FakeUpstream fake = slowFake();
        RunningRouter first = RunningRouter.start(directory,
            oneDeployment(fake, id, "rpm: 20", "usage-based-routing-v2"), env);
        RunningRouter second = RunningRouter.start(directory,
            oneDeployment(fake, id, "rpm: 20", "usage-based-routing-v2"), env)) {
      List<HttpResponse<String>> answers = burst(List.of(first, second), CHAT, 60);
      assertThat(fake.calls()).as("both routers count on one window").hasSize(20);
      assertServedAndRefused(answers, 20);
    }
  }

  @Test
  void theRpmWindowSlidesAcrossTheMinuteBoundary() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-03-10T10:00:59.500Z"));
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory,
            oneDeployment(fake, "solo", "rpm: 20", "usage-based-routing-v2"), Map.of(), clock)) {
      assertThat(statuses(router, 20)).containsOnly(200);
      clock.set(Instant.parse("2026-03-10T10:01:00.500Z")); // a new calendar minute: a fixed window would reset
      List<HttpResponse<String>> after = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        after.add(router.post("/v1/chat/completions", CHAT));
      }
      assertServedAndRefused(after, 0);
      assertThat(after).allSatisfy(refused -> assertThat(refused.headers().firstValue("Retry-After").map(Long::parseLong))
          .as("until the first twenty are a minute old").hasValueSatisfying(s -> assertThat(s).isBetween(58L, 60L)));
      assertThat(fake.calls()).hasSize(20);

      clock.set(Instant.parse("2026-03-10T10:01:59.500Z")); // the first twenty have left the window
      assertThat(statuses(router, 21)).containsOnly(200, 429).filteredOn(s -> s == 200).hasSize(20);
      assertThat(fake.calls()).hasSize(40);
    }
  }

  @Test
  void aDeploymentOverItsTpmIsSkippedForTheOtherOfItsGroup() throws Exception {
    Map<String, String> env = sharedRedis();
    String run = UUID.randomUUID().toString();
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, """
            model_list:
              - model_name: capped
                litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", tpm: 40}
                model_info: {id: "small-%2$s"}
              - model_name: capped
                litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", tpm: 100}
                model_info: {id: "large-%2$s"}
            router_settings: {routing_strategy: usage-based-routing-v2, num_retries: 0}
            """.formatted(fake.apiBase(), run), env);
        RateLimiter limiter = TestRedis.rateLimiter(RedisSpendStore.DEFAULT_PREFIX + "ratelimit:")) {
      Map<String, Integer> served = new HashMap<>();
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> answer = router.post("/v1/chat/completions", CHAT);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        served.merge(answer.headers().firstValue("x-clincher-deployment").orElseThrow(), 1, Integer::sum);
      }
      // The fewest tokens go first, so small is preferred once large has more; but at 45 of its 40 it is skipped.
      assertThat(served).containsOnly(Map.entry("small-" + run, 3), Map.entry("large-" + run, 7));
      assertThat(limiter.used("tpm:deployment:small-" + run, Duration.ofMinutes(1))).isEqualTo(3 * TOKENS);
      assertThat(limiter.used("tpm:deployment:large-" + run, Duration.ofMinutes(1))).isEqualTo(7 * TOKENS);

      HttpResponse<String> refused = router.post("/v1/chat/completions", CHAT);
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(WireAssertions.assertOpenAiError(refused.body(), "rate_limit_error", "router_capacity")
          .path("message").asText()).contains("at its rpm/tpm limit");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      assertThat(fake.calls()).hasSize(10);
    }
  }

  @Test
  void aStoppedRedisRefusesTheCallsItCannotCount() throws Exception {
    try (RedisServerProcess redis = RedisServerProcess.start(); FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory,
            oneDeployment(fake, "solo", "rpm: 100", "usage-based-routing-v2"), redis.routerEnv())) {
      assertThat(statuses(router, 3)).containsOnly(200);

      redis.stop();
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> refused = router.post("/v1/chat/completions", CHAT);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(WireAssertions.assertOpenAiError(refused.body(), "api_error", "spend_store_unavailable")
            .path("message").asText()).contains("rate-limit store is unavailable");
        assertThat(refused.headers().firstValue("Retry-After")).contains("5");
      }
      assertThat(fake.calls()).as("nothing let through while the limit could not be counted").hasSize(3);

      redis.restart(); // empty: the window starts again
      assertThat(statuses(router, 3)).containsOnly(200);
      assertThat(fake.calls()).hasSize(6);
    }
  }

  @Test
  void underSimpleShuffleRpmIsAWeightAndNothingIsCounted() throws Exception {
    Map<String, String> env = sharedRedis();
    String run = UUID.randomUUID().toString();
    try (FakeUpstream heavy = FakeUpstream.start(); FakeUpstream light = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, """
            model_list:
              - model_name: capped
                litellm_params: {model: openai/gpt-4.1, api_base: "%s", rpm: 9, tpm: 20}
                model_info: {id: "heavy-%3$s"}
              - model_name: capped
                litellm_params: {model: openai/gpt-4.1, api_base: "%s", rpm: 1, tpm: 20}
                model_info: {id: "light-%3$s"}
            router_settings: {routing_strategy: simple-shuffle, num_retries: 0}
            """.formatted(heavy.apiBase(), light.apiBase(), run), env);
        RateLimiter limiter = TestRedis.rateLimiter(RedisSpendStore.DEFAULT_PREFIX + "ratelimit:")) {
      assertThat(statuses(router, 200)).as("far past both rpm and tpm").containsOnly(200);
      assertThat(heavy.calls().size()).as("rpm 9 : 1 as weights").isBetween(160, 195);
      assertThat(light.calls()).hasSize(200 - heavy.calls().size());
      for (String subject : List.of("rpm:deployment:heavy-", "tpm:deployment:heavy-", "rpm:deployment:light-",
          "tpm:deployment:light-")) {
        assertThat(limiter.used(subject + run, Duration.ofMinutes(1))).as(subject).isZero();
      }
    }
  }

  /** {@code served} answered 200 by the provider; every other one 429 with LiteLLM's shape and a Retry-After. */
  static void assertServedAndRefused(List<HttpResponse<String>> answers, int served) throws Exception {
    assertThat(answers).filteredOn(a -> a.statusCode() == 200).hasSize(served);
    for (HttpResponse<String> refused : answers.stream().filter(a -> a.statusCode() != 200).toList()) {
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
      assertThat(WireAssertions.assertOpenAiError(refused.body(), "rate_limit_error", "router_capacity")
          .path("message").asText()).isEqualTo("every deployment of capped is at its rpm/tpm limit for this minute");
      assertThat(refused.headers().firstValue("Retry-After").map(Long::parseLong))
          .hasValueSatisfying(seconds -> assertThat(seconds).isBetween(1L, 60L));
    }
  }

  /** The statuses of {@code calls} calls one after the other. */
  static List<Integer> statuses(RunningRouter router, int calls) throws Exception {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      statuses.add(router.post("/v1/chat/completions", CHAT).statusCode());
    }
    return statuses;
  }

  /** {@code calls} calls released at once, spread over {@code routers} in turn. */
  static List<HttpResponse<String>> burst(List<RunningRouter> routers, String body, int calls) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> pending = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < calls; i++) {
        RunningRouter router = routers.get(i % routers.size());
        pending.add(pool.submit(() -> {
          start.await();
          return router.post("/v1/chat/completions", body);
        }));
      }
      start.countDown();
      List<HttpResponse<String>> answers = new ArrayList<>();
      for (Future<HttpResponse<String>> answer : pending) {
        answers.add(answer.get(90, TimeUnit.SECONDS));
      }
      return answers;
    }
  }
}
