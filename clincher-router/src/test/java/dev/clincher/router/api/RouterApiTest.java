package dev.clincher.router.api;

import static dev.clincher.router.testing.RunningRouter.MASTER_KEY;
import static dev.clincher.router.testing.RunningRouter.PROVIDER_KEY;
import static dev.clincher.router.testing.WireAssertions.assertOpenAiError;
import static dev.clincher.router.testing.WireAssertions.dataLines;
import static dev.clincher.router.testing.WireAssertions.toolArguments;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.FakeUpstream.Stream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The router in-process against a faithful fake OpenAI upstream, called by real HTTP clients. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RouterApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SIMPLE = """
      {"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}""";

  FakeUpstream fake;
  RunningRouter router;
  Path directory;

  @BeforeAll
  void start(@TempDir Path temporary) throws Exception {
    directory = temporary;
    fake = FakeUpstream.start();
    router = RunningRouter.start(directory, """
        model_list:
          - model_name: gpt-test
            litellm_params:
              model: openai/gpt-4.1
              api_base: %s
              api_key: os.environ/FAKE_API_KEY
        router_settings:
          num_retries: 2
          disable_cooldowns: true
        general_settings:
          max_request_size_mb: 0.05
        """.formatted(fake.apiBase()), Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    router.close();
    fake.close();
  }

  @BeforeEach
  void resetFake() {
    fake.reset();
  }

  @Test
  void healthNeedsNoKeyButMetricsDo() throws Exception {
    HttpRequest.Builder plain = HttpRequest.newBuilder().timeout(Duration.ofSeconds(5));
    assertThat(send(plain.uri(URI.create(router.baseUrl() + "/health/liveliness")).build()).statusCode()).isEqualTo(200);
    assertThat(send(plain.uri(URI.create(router.baseUrl() + "/health/readiness")).build()).statusCode()).isEqualTo(200);
    assertThat(send(plain.uri(URI.create(router.baseUrl() + "/metrics")).build()).statusCode()).isEqualTo(401);

    router.post("/v1/chat/completions", SIMPLE);
    assertThat(router.get("/metrics").statusCode()).as("the master key is no metrics credential").isEqualTo(401);
    HttpResponse<String> metrics = router.scrape();
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("clincher_router_requests_total")
        .contains("litellm_proxy_total_requests_metric_total").contains("litellm_deployment_success_responses_total");
  }

  @Test
  void missingOrWrongKeyIs401InOpenAiShape() throws Exception {
    HttpRequest.Builder noKey = HttpRequest.newBuilder(URI.create(router.baseUrl() + "/v1/chat/completions"))
        .POST(HttpRequest.BodyPublishers.ofString(SIMPLE));
    HttpResponse<String> missing = send(noKey.build());
    HttpResponse<String> wrong = send(noKey.header("Authorization", "Bearer sk-wrong").build());

    for (HttpResponse<String> response : List.of(missing, wrong)) {
      assertThat(response.statusCode()).isEqualTo(401);
      assertOpenAiError(response.body(), "invalid_request_error", "invalid_api_key");
    }
    assertThat(send(HttpRequest.newBuilder(URI.create(router.baseUrl() + "/v1/models")).build()).statusCode())
        .isEqualTo(401);
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void unknownModelIs404InOpenAiShape() throws Exception {
    HttpResponse<String> response = router.post("/v1/chat/completions", """
        {"model":"nope","messages":[{"role":"user","content":"hi"}]}""");
    assertThat(response.statusCode()).isEqualTo(404);
    JsonNode error = assertOpenAiError(response.body(), "invalid_request_error", "model_not_found");
    assertThat(error.path("param").asText()).isEqualTo("model");
  }

  @Test
  void badRequestsAreRefusedClearly() throws Exception {
    HttpResponse<String> n2 = router.post("/v1/chat/completions", """
        {"model":"gpt-test","n":2,"messages":[{"role":"user","content":"hi"}]}""");
    assertThat(n2.statusCode()).isEqualTo(400);
    assertThat(assertOpenAiError(n2.body(), "invalid_request_error", null).path("param").asText()).isEqualTo("n");

    HttpResponse<String> apiBase = router.post("/v1/chat/completions", """
        {"model":"gpt-test","api_base":"http://evil","messages":[{"role":"user","content":"hi"}]}""");
    assertThat(apiBase.statusCode()).isEqualTo(400);

    assertThat(router.post("/v1/chat/completions", "{not json").statusCode()).isEqualTo(400);
    assertThat(router.post("/v1/chat/completions", "{\"model\":\"gpt-test\"}").statusCode()).isEqualTo(400);

    String big = "{\"model\":\"gpt-test\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(60_000) + "\"}]}";
    HttpResponse<String> tooLarge = router.post("/v1/chat/completions", big);
    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertOpenAiError(tooLarge.body(), "invalid_request_error", "request_too_large");
    assertThat(fake.calls()).isEmpty();
  }

  @Test
  void nonStreamingRoundTripKeepsToolCallsAndPassesParametersThrough() throws Exception {
    fake.then(new Json(200, Map.of(), OpenAiWire.toolCallCompletion()));
    String request = """
        {"model":"gpt-test","messages":[{"role":"user","content":"weather and time in Paris?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
           "properties":{"city":{"type":"string"}}}}}],
         "tool_choice":"auto","parallel_tool_calls":true,"response_format":{"type":"text"},"stop":["\\n\\n"],
         "max_tokens":100,"max_completion_tokens":100,"temperature":0.2,"top_p":0.9,"user":"u-1","n":1}""";

    HttpResponse<String> response = router.post("/v1/chat/completions", request);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree(OpenAiWire.toolCallCompletion()));
    assertThat(response.headers().firstValue("x-clincher-deployment")).contains("gpt-test#0");
    // openai/gpt-4.1 from the bundled table: 80 prompt tokens × $2/M + 40 completion tokens × $8/M
    assertThat(Double.parseDouble(response.headers().firstValue("x-clincher-response-cost").orElseThrow()))
        .isCloseTo(80 * 2e-6 + 40 * 8e-6, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(response.headers().firstValue("x-litellm-response-cost"))
        .isEqualTo(response.headers().firstValue("x-clincher-response-cost"));
    assertThat(Double.parseDouble(response.headers().firstValue("x-clincher-overhead-ms").orElseThrow()))
        .isBetween(0.0, 1000.0);
    assertThat(response.headers().firstValue("x-litellm-overhead-duration-ms")).isPresent();

    FakeUpstream.Call call = fake.calls().get(0);
    assertThat(call.target()).isEqualTo("/v1/chat/completions");
    assertThat(call.header("authorization")).isEqualTo("Bearer " + PROVIDER_KEY);
    ObjectNode expected = (ObjectNode) JSON.readTree(request);
    expected.put("model", "gpt-4.1");
    assertThat(JSON.readTree(call.body())).isEqualTo(expected);
  }

  @Test
  void streamingRelaysToolCallArgumentDeltasIntact() throws Exception {
    List<String> events = OpenAiWire.toolCallStream("chatcmpl-s1");
    fake.then(new Stream(events, Duration.ZERO, End.DONE));

    HttpResponse<InputStream> response = router.client().send(router.request("/v1/chat/completions")
            .POST(HttpRequest.BodyPublishers.ofString(streamRequest())).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
    assertThat(response.headers().firstValue("x-clincher-deployment")).contains("gpt-test#0");
    StringBuilder expected = new StringBuilder();
    events.forEach(data -> expected.append("data: ").append(data).append("\n\n"));
    expected.append("data: [DONE]\n\n");
    assertThat(body).isEqualTo(expected.toString());
    assertThat(toolArguments(body)).isEqualTo(OpenAiWire.TOOL_ARGUMENTS);
    assertThat(JSON.readTree(fake.calls().get(0).body()).path("stream_options").path("include_usage").asBoolean())
        .isTrue();
  }

  @Test
  void curlNoBufferSeesEachChunkAsItArrives() throws Exception {
    List<String> events = OpenAiWire.textStream("chatcmpl-c1", "one", "two", "three");
    fake.then(new Stream(events, Duration.ofMillis(300), End.DONE));
    Process curl = new ProcessBuilder("curl", "--no-buffer", "-sS", "-N", router.baseUrl() + "/v1/chat/completions",
        "-H", "Authorization: Bearer " + MASTER_KEY, "-H", "Content-Type: application/json", "-d", streamRequest())
        .redirectErrorStream(true).start();
    List<Long> arrivals = new ArrayList<>();
    StringBuilder output = new StringBuilder();
    long start = System.nanoTime();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(curl.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        output.append(line).append('\n');
        if (line.startsWith("data: ")) {
          arrivals.add((System.nanoTime() - start) / 1_000_000);
        }
      }
    }
    assertThat(curl.waitFor()).isZero();
    assertThat(output.toString()).endsWith("data: [DONE]\n\n");
    assertThat(arrivals).hasSize(events.size() + 1);
    // Paced 300 ms apart upstream: the first chunk reached curl long before the last was sent.
    assertThat(arrivals.get(arrivals.size() - 1) - arrivals.get(0)).isGreaterThan(1000);
  }

  @Test
  void rateLimitIsRetriedAfterTheUpstreamsRetryAfter() throws Exception {
    fake.then(new Json(429, Map.of("Retry-After", "1"),
        OpenAiWire.error("Rate limit reached", "rate_limit_error", "rate_limit_exceeded")));
    long start = System.nanoTime();

    HttpResponse<String> response = router.post("/v1/chat/completions", SIMPLE);

    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(fake.calls()).hasSize(2);
    assertThat(elapsedMs).isGreaterThanOrEqualTo(950);
  }

  @Test
  void serverErrorsAreRetriedAndNonRetryableErrorsPassThrough() throws Exception {
    fake.then(new Json(500, Map.of(), OpenAiWire.error("boom", "server_error", "internal")));
    assertThat(router.post("/v1/chat/completions", SIMPLE).statusCode()).isEqualTo(200);
    assertThat(fake.calls()).hasSize(2);

    fake.reset();
    fake.then(new Json(400, Map.of(), OpenAiWire.error("Invalid 'messages' (key " + PROVIDER_KEY + ")",
        "invalid_request_error", "invalid_value")));
    HttpResponse<String> bad = router.post("/v1/chat/completions", SIMPLE);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertOpenAiError(bad.body(), "invalid_request_error", "invalid_value");
    assertThat(bad.body()).doesNotContain(PROVIDER_KEY);
    assertThat(fake.calls()).hasSize(1);

    fake.reset();
    fake.then(new Json(401, Map.of(), OpenAiWire.error("Incorrect API key provided: " + PROVIDER_KEY,
        "invalid_request_error", "invalid_api_key")));
    HttpResponse<String> auth = router.post("/v1/chat/completions", SIMPLE);
    assertThat(auth.statusCode()).isEqualTo(401);
    assertThat(auth.body()).doesNotContain(PROVIDER_KEY).contains("rejected the router's credentials");
  }

  @Test
  void retriesExhaustedAnswerTheLastProviderError() throws Exception {
    Json overloaded = new Json(503, Map.of(), OpenAiWire.error("overloaded", "server_error", "overloaded"));
    fake.then(overloaded, overloaded, overloaded);
    HttpResponse<String> response = router.post("/v1/chat/completions", SIMPLE);
    assertThat(response.statusCode()).isEqualTo(503);
    assertOpenAiError(response.body(), "server_error", "overloaded");
    assertThat(fake.calls()).hasSize(3);
  }

  @Test
  void streamThatFailsBeforeItsFirstChunkIsRetried() throws Exception {
    fake.then(new Json(500, Map.of(), OpenAiWire.error("boom", "server_error", null)),
        new Stream(List.of(), Duration.ZERO, End.TRUNCATED),
        new Stream(OpenAiWire.textStream("chatcmpl-r", "ok"), Duration.ZERO, End.DONE));
    HttpResponse<String> response = router.post("/v1/chat/completions", streamRequest());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).endsWith("data: [DONE]\n\n");
    assertThat(fake.calls()).hasSize(3);
  }

  @Test
  void noRetryAfterTheFirstStreamedByteTruncated() throws Exception {
    assertBrokenStreamIsNotRetried(End.TRUNCATED);
  }

  @Test
  void noRetryAfterTheFirstStreamedByteReset() throws Exception {
    assertBrokenStreamIsNotRetried(End.RESET);
  }

  private void assertBrokenStreamIsNotRetried(End end) throws Exception {
    List<String> events = OpenAiWire.textStream("chatcmpl-t", "partial", "answer").subList(0, 3);
    fake.then(new Stream(events, Duration.ZERO, end));

    HttpResponse<String> response = router.post("/v1/chat/completions", streamRequest());

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> data = dataLines(response.body());
    assertThat(data).hasSize(4);
    assertThat(data.subList(0, 3)).isEqualTo(events);
    assertOpenAiError(data.get(3), "api_error", "upstream_stream_broken");
    assertThat(response.body()).doesNotContain("[DONE]");
    assertThat(fake.calls()).hasSize(1);
  }

  @Test
  void clientDisconnectCancelsTheUpstreamStream() throws Exception {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      many.add(OpenAiWire.chunk("chatcmpl-long", "{\"content\":\"w" + i + " \"}", null));
    }
    int abortedBefore = fake.aborted();
    fake.then(new Stream(many, Duration.ofMillis(50), End.DONE));
    HttpResponse<InputStream> response = router.client().send(router.request("/v1/chat/completions")
        .POST(HttpRequest.BodyPublishers.ofString(streamRequest())).build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      body.readNBytes(200);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (fake.aborted() == abortedBefore && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(fake.aborted()).isEqualTo(abortedBefore + 1);
  }

  @Test
  void slowProviderTimesOutWith504AndTheCallIsRetried() throws Exception {
    try (FakeUpstream slow = FakeUpstream.start();
        RunningRouter timed = RunningRouter.start(directory, """
            model_list:
              - model_name: gpt-test
                litellm_params: {model: openai/gpt-4.1, api_base: "%s", timeout: 0.5}
            router_settings: {num_retries: 1, disable_cooldowns: true}
            """.formatted(slow.apiBase()), Map.of())) {
      slow.then(new FakeUpstream.Delayed(Duration.ofSeconds(3), new Json(200, Map.of(), OpenAiWire.completion("x", "late"))));
      long start = System.nanoTime();
      assertThat(timed.post("/v1/chat/completions", SIMPLE).statusCode()).isEqualTo(200);
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(400L, 2500L);
      assertThat(slow.calls()).hasSize(2);

      slow.reset();
      FakeUpstream.Reply late = new FakeUpstream.Delayed(Duration.ofSeconds(3), new Json(200, Map.of(), "{}"));
      slow.then(late, late);
      HttpResponse<String> timedOut = timed.post("/v1/chat/completions", SIMPLE);
      assertThat(timedOut.statusCode()).isEqualTo(504);
      assertOpenAiError(timedOut.body(), "timeout", null);
    }
  }

  @Test
  void aStalledStreamIsCutAfterTheStreamTimeout() throws Exception {
    try (FakeUpstream stalling = FakeUpstream.start();
        RunningRouter timed = RunningRouter.start(directory, """
            model_list:
              - model_name: gpt-test
                litellm_params: {model: openai/gpt-4.1, api_base: "%s", stream_timeout: 0.4}
            """.formatted(stalling.apiBase()), Map.of())) {
      stalling.then(new Stream(OpenAiWire.textStream("chatcmpl-stall", "a", "b"), Duration.ofMillis(1500), End.DONE));
      long start = System.nanoTime();
      HttpResponse<String> response = timed.post("/v1/chat/completions", streamRequest());
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;

      // The first event takes 1.5 s > 0.4 s: it counts as a failure before the first chunk (not retried: 0 retries).
      assertThat(response.statusCode()).isEqualTo(502);
      assertThat(elapsedMs).isLessThan(1400);
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (stalling.aborted() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(stalling.aborted()).isEqualTo(1);
    }
  }

  @Test
  void modelsListsTheGroups() throws Exception {
    HttpResponse<String> response = router.get("/v1/models");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("object").asText()).isEqualTo("list");
    assertThat(body.path("data").get(0).path("id").asText()).isEqualTo("gpt-test");
    assertThat(router.get("/models").statusCode()).isEqualTo(200);
  }

  @Test
  void chatWithoutVersionPrefixWorks() throws Exception {
    assertThat(router.post("/chat/completions", SIMPLE).statusCode()).isEqualTo(200);
  }

  static String streamRequest() {
    return """
        {"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},
         "messages":[{"role":"user","content":"hi"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}""";
  }

  HttpResponse<String> send(HttpRequest request) throws Exception {
    return router.client().send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRefusedRequestsBodyIsReadSoTheKeptAliveConnectionServesTheNextRequest() throws Exception {
    String body = "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(20_000) + "\"}]}";
    String request = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer wrong\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", router.port())) {
      socket.setSoTimeout(10_000);
      java.io.OutputStream out = socket.getOutputStream();
      // the first request's body arrives late (after the router could already answer 401), then a second request
      int half = request.length() - body.length() / 2;
      out.write(request.substring(0, half).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(300);
      out.write((request.substring(half) + request).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      java.io.InputStream in = socket.getInputStream();
      StringBuilder answers = new StringBuilder();
      byte[] buffer = new byte[8192];
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (countOf(answers.toString(), "HTTP/1.1 401") < 2 && System.nanoTime() < deadline) {
        int read = in.read(buffer);
        if (read < 0) {
          break;
        }
        answers.append(new String(buffer, 0, read, java.nio.charset.StandardCharsets.US_ASCII));
      }
      assertThat(countOf(answers.toString(), "HTTP/1.1 401")).as(answers.toString()).isEqualTo(2);
    }
  }

  private static int countOf(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      count++;
    }
    return count;
  }
}
