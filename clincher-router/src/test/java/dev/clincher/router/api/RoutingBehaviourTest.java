package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.FakeUpstream.Stream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.WireAssertions;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Groups of several deployments, cooldowns and backpressure, end to end. */
@Timeout(60)
class RoutingBehaviourTest {
  static final String SIMPLE = RouterApiTest.SIMPLE;

  @TempDir
  Path directory;

  @Test
  void retryMovesToTheOtherDeploymentAndTheFailingOneCoolsDown() throws Exception {
    try (FakeUpstream bad = FakeUpstream.start(); FakeUpstream good = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, twoDeployments(bad, good, """
            router_settings:
              num_retries: 1
              allowed_fails: 1
              cooldown_time: 30
            """), Map.of())) {
      bad.setDefault(new Json(500, Map.of(), OpenAiWire.error("down", "server_error", null)));

      for (int i = 0; i < 10; i++) {
        HttpResponse<String> response = router.post("/v1/chat/completions", SIMPLE);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-clincher-deployment")).contains("good");
      }
      // After its first failure the bad deployment cooled down: it was called once at most.
      assertThat(bad.calls()).hasSizeLessThanOrEqualTo(1);
      assertThat(good.calls()).hasSize(10);
    }
  }

  @Test
  void simpleShuffleFollowsTheWeights() throws Exception {
    try (FakeUpstream heavy = FakeUpstream.start(); FakeUpstream light = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, """
            model_list:
              - model_name: gpt-test
                litellm_params: {model: openai/gpt-4.1, api_base: "%s", weight: 9}
                model_info: {id: heavy}
              - model_name: gpt-test
                litellm_params: {model: openai/gpt-4.1, api_base: "%s", weight: 1}
                model_info: {id: light}
            """.formatted(heavy.apiBase(), light.apiBase()), Map.of())) {
      for (int i = 0; i < 200; i++) {
        assertThat(router.post("/v1/chat/completions", SIMPLE).statusCode()).isEqualTo(200);
      }
      assertThat(heavy.calls().size()).isBetween(160, 195);
      assertThat(light.calls().size()).isEqualTo(200 - heavy.calls().size());
    }
  }

  @Test
  void beyondTheInFlightBoundTheAnswerIs429Quickly() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, """
            model_list:
              - model_name: gpt-test
                litellm_params: {model: openai/gpt-4.1, api_base: "%s", max_parallel_requests: 1}
            """.formatted(fake.apiBase()), Map.of())) {
      fake.then(new Stream(OpenAiWire.textStream("chatcmpl-slow", "a", "b", "c", "d"), Duration.ofMillis(400),
          End.DONE));
      HttpResponse<InputStream> slow = router.client().send(router.request("/v1/chat/completions")
              .POST(HttpRequest.BodyPublishers.ofString(RouterApiTest.streamRequest())).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(slow.statusCode()).isEqualTo(200);

      long start = System.nanoTime();
      HttpResponse<String> refused = router.post("/v1/chat/completions", SIMPLE);
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;

      assertThat(refused.statusCode()).isEqualTo(429);
      WireAssertions.assertOpenAiError(refused.body(), "rate_limit_error", "router_capacity");
      assertThat(elapsedMs).isLessThan(500);
      try (InputStream body = slow.body()) {
        assertThat(new String(body.readAllBytes())).endsWith("data: [DONE]\n\n");
      }
      // The slot is given back when the server has finished the stream, which may be just after the client read
      // its last bytes: the next call is admitted within a bounded time, not necessarily at once.
      int status = 429;
      for (long deadline = System.nanoTime() + 5_000_000_000L; status == 429 && System.nanoTime() < deadline; ) {
        status = router.post("/v1/chat/completions", SIMPLE).statusCode();
        if (status == 429) {
          Thread.sleep(50);
        }
      }
      assertThat(status).isEqualTo(200);
    }
  }

  @Test
  void usageBasedRoutingKeepsEachDeploymentUnderItsRpm() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, """
            model_list:
              - model_name: gpt-test
                litellm_params: {model: openai/gpt-4.1, api_base: "%s"}
                rpm: 3
            router_settings:
              routing_strategy: usage-based-routing-v2
            """.formatted(fake.apiBase()), Map.of())) {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        statuses.add(router.post("/v1/chat/completions", SIMPLE).statusCode());
      }
      assertThat(statuses).containsExactly(200, 200, 200, 429, 429);
      assertThat(fake.calls()).hasSize(3);
    }
  }

  @Test
  void chatWithAnEmbeddingsOnlyProviderAnswers501() throws Exception {
    try (RunningRouter router = RunningRouter.start(directory, """
        model_list:
          - model_name: voyage
            litellm_params: {model: voyage/voyage-3-lite, api_key: os.environ/FAKE_API_KEY}
        router_settings: {num_retries: 2}
        """, Map.of())) {
      HttpResponse<String> response = router.post("/v1/chat/completions",
          "{\"model\":\"voyage\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(response.statusCode()).isEqualTo(501);
      WireAssertions.assertOpenAiError(response.body(), "invalid_request_error", "provider_not_supported");
    }
  }

  @Test
  void fallbacksAndContextWindowFallbacksMoveToAnotherGroup() throws Exception {
    try (FakeUpstream primary = FakeUpstream.start(); FakeUpstream backup = FakeUpstream.start();
        FakeUpstream big = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, """
            model_list:
              - model_name: primary
                litellm_params: {model: openai/gpt-4.1, api_base: "%s"}
              - model_name: backup
                litellm_params: {model: openai/gpt-4.1-mini, api_base: "%s"}
              - model_name: big
                litellm_params: {model: openai/gpt-4.1-1m, api_base: "%s"}
            router_settings:
              num_retries: 0
              disable_cooldowns: true
              fallbacks: [{"primary": ["backup"]}]
              context_window_fallbacks: [{"primary": ["big"]}]
            """.formatted(primary.apiBase(), backup.apiBase(), big.apiBase()), Map.of())) {
      String request = "{\"model\":\"primary\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      primary.then(new Json(503, Map.of(), OpenAiWire.error("down", "server_error", null)));
      HttpResponse<String> served = router.post("/v1/chat/completions", request);
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.headers().firstValue("x-clincher-deployment")).contains("backup#1");
      assertThat(backup.calls().get(0).body()).contains("\"gpt-4.1-mini\"");

      primary.then(new Json(400, Map.of(), OpenAiWire.error("This model's maximum context length is 128000 tokens",
          "invalid_request_error", "context_length_exceeded")));
      HttpResponse<String> longPrompt = router.post("/v1/chat/completions", request);
      assertThat(longPrompt.headers().firstValue("x-clincher-deployment")).contains("big#2");

      primary.then(new Json(400, Map.of(), OpenAiWire.error("bad", "invalid_request_error", "invalid_value")));
      assertThat(router.post("/v1/chat/completions", request).statusCode()).isEqualTo(400);
      assertThat(backup.calls()).hasSize(1);
      assertThat(big.calls()).hasSize(1);

      primary.then(new Json(500, Map.of(), OpenAiWire.error("boom", "server_error", null)));
      HttpResponse<String> stream = router.post("/v1/chat/completions",
          "{\"model\":\"primary\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(stream.headers().firstValue("x-clincher-deployment")).contains("backup#1");
      assertThat(stream.body()).endsWith("data: [DONE]\n\n");
    }
  }

  static String twoDeployments(FakeUpstream bad, FakeUpstream good, String settings) {
    return """
        model_list:
          - model_name: gpt-test
            litellm_params: {model: openai/gpt-4.1, api_base: "%s"}
            model_info: {id: bad}
          - model_name: gpt-test
            litellm_params: {model: openai/gpt-4.1, api_base: "%s"}
            model_info: {id: good}
        """.formatted(bad.apiBase(), good.apiBase()) + settings;
  }
}
