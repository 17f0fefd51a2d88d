package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.testing.LogCapture;
import dev.clincher.router.testing.AnthropicWire;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Events;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.FakeUpstream.Stream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Costs in the response headers, per-model budgets and streamed spend, against the fake providers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class SpendApiTest {
  static final ObjectMapper JSON = new ObjectMapper();

  FakeUpstream fake;
  RunningRouter router;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    fake = FakeUpstream.start();
    router = RunningRouter.start(directory, """
        model_list:
          - model_name: gpt
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY}
          - model_name: claude
            litellm_params: {model: claude-haiku-4-5-20251001, api_base: "http://127.0.0.1:%2$d",
                             api_key: os.environ/FAKE_API_KEY}
          - model_name: capped
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY}
            model_info: {max_budget: 0.0005, budget_duration: 30d}
          - model_name: own-price
            litellm_params: {model: hosted_vllm/llama, api_base: "%1$s", input_cost_per_token: 0.000001,
                             output_cost_per_token: 0.000003}
          - model_name: unpriced
            litellm_params: {model: hosted_vllm/llama, api_base: "%1$s"}
        router_settings: {disable_cooldowns: true}
        """.formatted(fake.apiBase(), fake.port()), Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    router.close();
    fake.close();
  }

  @BeforeEach
  void reset() {
    fake.reset();
  }

  static String chat(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  static double cost(HttpResponse<String> response) {
    String clincher = response.headers().firstValue("x-clincher-response-cost").orElseThrow();
    assertThat(response.headers().firstValue("x-litellm-response-cost")).contains(clincher);
    return Double.parseDouble(clincher);
  }

  @Test
  void openAiCostIsUsageTimesTheBundledPrice() throws Exception {
    fake.then(new Json(200, Map.of(), OpenAiWire.completion("c1", "hello"))); // 12 prompt, 3 completion tokens
    HttpResponse<String> response = router.post("/v1/chat/completions", chat("gpt"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(cost(response)).isCloseTo(12 * 2e-6 + 3 * 8e-6, within(1e-12));
  }

  @Test
  void anthropicCostChargesCacheReadsAndWritesAtTheirPrices() throws Exception {
    fake.then(new Json(200, Map.of(), AnthropicWire.toolUseMessage()));
    HttpResponse<String> response = router.post("/v1/chat/completions", chat("claude"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    // haiku 4.5: input $1/M, cache read $0.10/M, cache write $1.25/M, output $5/M
    double expected = 472 * 1e-6 + 100 * 0.1e-6 + 10 * 1.25e-6 + 89 * 5e-6;
    assertThat(cost(response)).isCloseTo(expected, within(1e-12));
  }

  @Test
  void deploymentPricesOverrideAndUnknownPricesSendNoCostHeader() throws Exception {
    fake.then(new Json(200, Map.of(), OpenAiWire.completion("c2", "hi")),
        new Json(200, Map.of(), OpenAiWire.completion("c3", "hi")));
    assertThat(cost(router.post("/v1/chat/completions", chat("own-price")))).isCloseTo(12 * 1e-6 + 3 * 3e-6,
        within(1e-12));
    HttpResponse<String> unpriced = router.post("/v1/chat/completions", chat("unpriced"));
    assertThat(unpriced.statusCode()).isEqualTo(200);
    assertThat(unpriced.headers().firstValue("x-clincher-response-cost")).isEmpty();
    assertThat(unpriced.headers().firstValue("x-litellm-response-cost")).isEmpty();
  }

  /** The request lines of calls answered 400 (the first call's line may be written after its answer is out). */
  private static java.util.List<String> refusedLines(LogCapture logs) {
    return logs.text().lines().filter(line -> line.contains("\"router.request\"") && line.contains("\"status\":400"))
        .toList();
  }

  @Test
  void aModelOverItsBudgetIsRefusedWithoutCallingTheProvider() throws Exception {
    fake.setDefault(new Json(200, Map.of(), OpenAiWire.toolCallCompletion())); // 80 + 40 tokens = $0.00048
    String capped = chat("capped").replace("{\"model\"", "{\"max_tokens\":40,\"model\""); // worst ~$0.00046
    HttpResponse<String> first = router.post("/v1/chat/completions", capped);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    int callsBefore = fake.calls().size();

    HttpResponse<String> second;
    try (LogCapture logs = new LogCapture()) {
      second = router.post("/v1/chat/completions", capped); // $0.00048 + $0.00046 > $0.0005
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (refusedLines(logs).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20); // the request line is written once the answer is out
      }
      assertThat(refusedLines(logs)).as("the request line names the budget that refused it").singleElement()
          .satisfies(line -> assertThat(line).contains("\"rule\":\"model_budget\""));
    }

    assertThat(second.statusCode()).as(second.body()).isEqualTo(400);
    JsonNode error = JSON.readTree(second.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("budget_exceeded");
    assertThat(error.path("message").asText()).contains("Budget has been exceeded").contains("capped");
    assertThat(second.headers().firstValue("retry-after")).isPresent();
    assertThat(fake.calls()).hasSize(callsBefore);
    assertThat(router.scrape().body())
        .contains("clincher_router_refusals_total{model=\"capped\",scope=\"model_budget\"");
  }

  @Test
  void streamsAskForUsageCountTheirSpendAndDoNotRelayAUsageChunkNobodyAskedFor() throws Exception {
    fake.then(new Stream(OpenAiWire.textStream("s1", "one", "two"), Duration.ZERO, End.DONE));
    String request = "{\"model\":\"gpt\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    double spentBefore = spend("gpt");

    HttpResponse<String> response = router.post("/v1/chat/completions", request);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-clincher-response-cost")).as("unknown when headers go out").isEmpty();
    assertThat(response.body()).doesNotContain("\"usage\":{").contains("\"content\":\"two\"").endsWith("data: [DONE]\n\n");
    JsonNode upstream = JSON.readTree(fake.calls().get(0).body());
    assertThat(upstream.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(spend("gpt") - spentBefore).isCloseTo(10 * 2e-6 + 2 * 8e-6, within(1e-9));
  }

  @Test
  void anthropicStreamsCountTheirSpendToo() throws Exception {
    fake.then(new Events(AnthropicWire.toolUseStream(), Duration.ZERO, End.DONE));
    String request = "{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    double spentBefore = spend("claude");
    HttpResponse<String> response = router.post("/v1/chat/completions", request);
    assertThat(response.statusCode()).isEqualTo(200);
    double expected = 472 * 1e-6 + 100 * 0.1e-6 + 89 * 5e-6;
    assertThat(spend("claude") - spentBefore).isCloseTo(expected, within(1e-9));
  }

  /** {@code clincher_router_spend_usd_total} of a model, from /metrics. */
  private double spend(String model) throws Exception {
    String prefix = "clincher_router_spend_usd_total{model=\"" + model + "\"";
    for (String line : router.scrape().body().split("\n")) {
      if (line.startsWith(prefix)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }
}
