package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TestRedis;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Budgets across deployments of a group and across router instances sharing a real Redis. */
@Timeout(60)
class SharedBudgetTest {
  static final String CHAT = "{\"model\":\"split\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  static String config(FakeUpstream fake, String run) {
    return """
        model_list:
          - model_name: split
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY}
            model_info: {id: "capped-%2$s", max_budget: 0.0004}
          - model_name: split
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY}
            model_info: {id: "free-%2$s"}
        router_settings: {num_retries: 2, retry_after: 0}
        """.formatted(fake.apiBase(), run);
  }

  @Test
  void aDeploymentOverItsBudgetIsSkippedForTheOthersOfItsGroup(@TempDir Path directory) throws Exception {
    String run = UUID.randomUUID().toString();
    try (FakeUpstream fake = FakeUpstream.start();
        RunningRouter router = RunningRouter.start(directory, config(fake, run), Map.of())) {
      fake.setDefault(new Json(200, Map.of(), OpenAiWire.toolCallCompletion())); // $0.00048 a call
      Map<String, Integer> served = new HashMap<>();
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> response = router.post("/v1/chat/completions", CHAT);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        served.merge(response.headers().firstValue("x-clincher-deployment").orElseThrow(), 1, Integer::sum);
      }
      assertThat(served.getOrDefault("capped-" + run, 0)).as(served.toString()).isLessThanOrEqualTo(1);
      assertThat(fake.calls()).hasSize(20);
    }
  }

  @Test
  void routerInstancesSharingRedisShareTheBudget(@TempDir Path directory) throws Exception {
    TestRedis.store().close(); // skips (locally) or fails (CI) without Redis
    URI redis = TestRedis.url();
    Map<String, String> env = Map.of("REDIS_HOST", redis.getHost(),
        "REDIS_PORT", String.valueOf(redis.getPort() < 0 ? 6379 : redis.getPort()));
    String run = UUID.randomUUID().toString();
    try (FakeUpstream fake = FakeUpstream.start()) {
      String yaml = """
          model_list:
            - model_name: split
              litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY}
              model_info: {id: "shared-%2$s", max_budget: 0.0005}
          """.formatted(fake.apiBase(), run);
      fake.setDefault(new Json(200, Map.of(), OpenAiWire.toolCallCompletion()));
      try (RunningRouter first = RunningRouter.start(directory, yaml, env);
          RunningRouter second = RunningRouter.start(directory, yaml, env)) {
        String limited = CHAT.replace("{\"model\"", "{\"max_tokens\":40,\"model\""); // worst ~$0.00046
        assertThat(first.post("/v1/chat/completions", limited).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = second.post("/v1/chat/completions", limited);
        assertThat(refused.statusCode()).as("the other instance spent the budget").isEqualTo(400);
        assertThat(refused.body()).contains("budget_exceeded");
        assertThat(fake.calls()).hasSize(1);
        assertThat(second.get("/health/readiness").statusCode()).isEqualTo(200);
      }
    }
  }
}
