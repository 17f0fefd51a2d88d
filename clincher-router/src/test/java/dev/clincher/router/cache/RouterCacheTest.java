package dev.clincher.router.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.cache.testing.TestRedis;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router with {@code redis-semantic} caching on a real Redis and the in-process ONNX model, in front of a fake
 * upstream that counts the calls it gets. Its verification threshold is 0.5, below the shipped default, so that a
 * plain paraphrase is a hit (at the default almost nothing is: docs/cache.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class RouterCacheTest {
  static final ObjectMapper JSON = new ObjectMapper();
  FakeUpstream fake;
  RunningRouter router;
  Path directory;
  String run;

  static String config(String apiBase, int redisPort, String namespace) {
    return """
        model_list:
          - model_name: gpt-test
            litellm_params:
              model: openai/gpt-4.1
              api_base: %s
              api_key: os.environ/FAKE_API_KEY
        litellm_settings:
          cache: true
          cache_params:
            type: redis-semantic
            host: 127.0.0.1
            port: %d
            password: os.environ/REDIS_PASSWORD
            ttl: 600
            verification_threshold: 0.5
            namespace: %s
            supported_call_types: ["acompletion", "atext_completion"]
        """.formatted(apiBase, redisPort, namespace);
  }

  @BeforeAll
  void start(@TempDir Path temporary) throws Exception {
    TestRedis.connect().close(); // skip locally / fail under CI when there is no Redis
    directory = temporary;
    fake = FakeUpstream.start();
    router = RunningRouter.start(directory, config(fake.apiBase(), TestRedis.port(), "t" + UUID.randomUUID()),
        Map.of("REDIS_PASSWORD", TestRedis.password().reveal()));
  }

  @AfterAll
  void stop() throws Exception {
    if (router != null) { // null when start() skipped for lack of Redis
      router.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  @BeforeEach
  void fresh() {
    fake.reset();
    fake.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.completion("chatcmpl-0", "an answer")));
    run = UUID.randomUUID().toString(); // every test asks its own questions
  }

  String ask(String question, boolean stream) {
    return """
        {"model":"gpt-test","stream":%s,"messages":[{"role":"system","content":"be brief (%s)"},\
        {"role":"user","content":"%s"}]}""".formatted(stream, run, question);
  }

  @Test
  void aRepeatedRequestIsServedFromTheCacheWithoutReachingTheProvider() throws Exception {
    fake.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.completion("chatcmpl-1", "Paris")));
    HttpResponse<String> first = router.post("/v1/chat/completions", ask("What is the capital of France?", false));
    HttpResponse<String> second = router.post("/v1/chat/completions", ask("What is the capital of France?", false));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-clincher-cache")).contains("miss");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("x-clincher-cache")).contains("hit");
    assertThat(second.headers().firstValue("x-litellm-cache-key")).isEqualTo(first.headers()
        .firstValue("x-litellm-cache-key"));
    assertThat(second.headers().firstValue("x-litellm-response-cost")).contains("0.0");
    assertThat(JSON.readTree(second.body()).at("/choices/0/message/content").asText()).isEqualTo("Paris");
    assertThat(fake.calls()).hasSize(1);
    assertThat(fake.calls().get(0).body()).doesNotContain("\"cache\"");
  }

  @Test
  void aParaphraseIsASemanticHitAndAnUnrelatedQuestionGoesUpstream() throws Exception {
    fake.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.completion("chatcmpl-2", "Use the login page")));
    router.post("/v1/chat/completions", ask("How can I reset my password?", false));
    HttpResponse<String> paraphrase = router.post("/v1/chat/completions", ask("How do I reset my password?", false));
    assertThat(paraphrase.headers().firstValue("x-clincher-cache")).contains("hit");
    assertThat(fake.calls()).hasSize(1);
    HttpResponse<String> unrelated = router.post("/v1/chat/completions", ask("What is the best pizza topping?", false));
    assertThat(unrelated.headers().firstValue("x-clincher-cache")).contains("miss");
    assertThat(fake.calls()).hasSize(2);
  }

  @Test
  void swappedRolesOrAnotherNumberAreNotServedTheCachedAnswer() throws Exception {
    router.post("/v1/chat/completions", ask("Is Messi better than Ronaldo?", false));
    router.post("/v1/chat/completions", ask("When does train no. 19708 arrive in Delhi?", false));
    assertThat(router.post("/v1/chat/completions", ask("Is Ronaldo better than Messi?", false)).headers()
        .firstValue("x-clincher-cache")).contains("miss");
    assertThat(router.post("/v1/chat/completions", ask("When does train no. 19707 arrive in Delhi?", false))
        .headers().firstValue("x-clincher-cache")).contains("miss");
    assertThat(fake.calls()).hasSize(4);
  }

  @Test
  void aDifferentSystemPromptOrTemperatureIsAnotherScope() throws Exception {
    router.post("/v1/chat/completions", ask("What is 2+2?", false));
    String otherSystem = ask("What is 2+2?", false).replace("be brief", "answer in French");
    String otherTemperature = ask("What is 2+2?", false).replace("\"stream\":false", "\"stream\":false,\"temperature\":0");
    assertThat(router.post("/v1/chat/completions", otherSystem).headers().firstValue("x-clincher-cache"))
        .contains("miss");
    assertThat(router.post("/v1/chat/completions", otherTemperature).headers().firstValue("x-clincher-cache"))
        .contains("miss");
    assertThat(fake.calls()).hasSize(3);
  }

  @Test
  void oneEndUsersAnswerIsNeverServedToAnother() throws Exception {
    String alice = ask("How can I reset my password?", false).replace("\"stream\":false", "\"stream\":false,\"user\":\"alice\"");
    String bob = alice.replace("alice", "bob");
    router.post("/v1/chat/completions", alice);
    assertThat(router.post("/v1/chat/completions", bob).headers().firstValue("x-clincher-cache")).contains("miss");
    assertThat(router.post("/v1/chat/completions", bob.replace("How can I", "How do I")).headers()
        .firstValue("x-clincher-cache")).contains("hit"); // bob's own paraphrase
    assertThat(router.post("/v1/chat/completions", alice).headers().firstValue("x-clincher-cache")).contains("hit");
    assertThat(fake.calls()).hasSize(2);
  }

  @Test
  void aStreamIsCachedAndReplayedWithExactFraming() throws Exception {
    fake.then(new FakeUpstream.Stream(OpenAiWire.textStream("chatcmpl-s", "Hello", " world"), Duration.ZERO,
        FakeUpstream.End.DONE));
    String body = ask("Say hello to the world", true).replace("\"stream\":true",
        "\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    HttpResponse<String> first = router.post("/v1/chat/completions", body);
    assertThat(first.headers().firstValue("x-clincher-cache")).contains("miss");
    HttpResponse<String> replay = router.post("/v1/chat/completions", body);
    assertThat(replay.headers().firstValue("x-clincher-cache")).contains("hit");
    assertThat(replay.headers().firstValue("content-type")).hasValueSatisfying(type ->
        assertThat(type).startsWith("text/event-stream"));
    assertThat(fake.calls()).hasSize(1);
    String[] events = replay.body().split("\n\n", -1);
    assertThat(events).hasSize(5); // content, finish, usage, [DONE], and the empty rest after the last separator
    assertThat(events[4]).isEmpty();
    assertThat(events[3]).isEqualTo("data: [DONE]");
    for (int i = 0; i < 3; i++) {
      assertThat(events[i]).startsWith("data: {").doesNotContain("\n");
    }
    JsonNode content = JSON.readTree(events[0].substring(6));
    assertThat(content.path("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(content.at("/choices/0/delta/content").asText()).isEqualTo("Hello world");
    assertThat(content.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    assertThat(JSON.readTree(events[1].substring(6)).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(JSON.readTree(events[2].substring(6)).at("/usage/completion_tokens").asInt()).isEqualTo(2);
    // the stream's answer also serves a non-streamed request
    HttpResponse<String> plain = router.post("/v1/chat/completions", body.replace("\"stream\":true", "\"stream\":false"));
    assertThat(JSON.readTree(plain.body()).at("/choices/0/message/content").asText()).isEqualTo("Hello world");
    assertThat(fake.calls()).hasSize(1);
  }

  @Test
  void errorsAndToolCallsAreNotCached() throws Exception {
    fake.then(new FakeUpstream.Json(400, Map.of(), OpenAiWire.error("bad", "invalid_request_error", null)));
    fake.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.completion("chatcmpl-3", "fine")));
    assertThat(router.post("/v1/chat/completions", ask("Error first", false)).statusCode()).isEqualTo(400);
    assertThat(router.post("/v1/chat/completions", ask("Error first", false)).headers().firstValue("x-clincher-cache"))
        .contains("miss");
    fake.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.toolCallCompletion()));
    router.post("/v1/chat/completions", ask("What is the weather in Paris?", false));
    assertThat(router.post("/v1/chat/completions", ask("What is the weather in Paris?", false)).headers()
        .firstValue("x-clincher-cache")).contains("miss");
    assertThat(fake.calls()).hasSize(4);
  }

  @Test
  void noCacheSkipsTheLookupAndNoStoreTheWrite() throws Exception {
    String noStore = ask("Remember nothing", false).replace("\"stream\":false",
        "\"stream\":false,\"cache\":{\"no-store\":true}");
    router.post("/v1/chat/completions", noStore);
    assertThat(router.post("/v1/chat/completions", ask("Remember nothing", false)).headers()
        .firstValue("x-clincher-cache")).contains("miss");
    String noCache = ask("Remember nothing", false).replace("\"stream\":false",
        "\"stream\":false,\"cache\":{\"no-cache\":true}");
    assertThat(router.post("/v1/chat/completions", noCache).headers().firstValue("x-clincher-cache")).contains("miss");
    assertThat(fake.calls()).hasSize(3);
    assertThat(fake.calls()).allSatisfy(call -> assertThat(call.body()).doesNotContain("no-store", "no-cache"));
  }

  @Test
  void metricsCountHitsAndMisses() throws Exception {
    router.post("/v1/chat/completions", ask("Count me", false));
    router.post("/v1/chat/completions", ask("Count me", false));
    String metrics = router.scrape().body();
    assertThat(metrics).contains("clincher_router_cache_hits_total{kind=\"exact\",model=\"gpt-test\"")
        .contains("clincher_router_cache_misses_total{model=\"gpt-test\"")
        .contains("clincher_router_cache_lookup_duration_seconds");
  }

  @Test
  void redisDownRequestsStillServedAndReadinessDegraded(@TempDir Path other) throws Exception {
    try (FakeUpstream upstream = FakeUpstream.start();
        RunningRouter down = RunningRouter.start(other, config(upstream.apiBase(), 1, "down"), Map.of())) {
      String body = ask("Is Redis there?", false);
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> response = down.post("/v1/chat/completions", body);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-clincher-cache")).contains("miss");
      }
      assertThat(upstream.calls()).hasSize(2);
      HttpResponse<String> readiness = down.client().send(HttpRequest.newBuilder(
          URI.create(down.baseUrl() + "/health/readiness")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(readiness.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(readiness.body()).at("/checks/cache/status").asText()).isEqualTo("degraded");
      assertThat(down.scrape().body()).contains("clincher_router_cache_errors_total");
    }
    HttpResponse<String> ready = router.client().send(HttpRequest.newBuilder(
        URI.create(router.baseUrl() + "/health/readiness")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
  }
}
