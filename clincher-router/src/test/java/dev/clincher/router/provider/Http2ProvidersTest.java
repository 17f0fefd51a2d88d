package dev.clincher.router.provider;

import static dev.clincher.router.testing.WireAssertions.toolArguments;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.egress.EgressServer;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.FakeUpstream.Stream;
import dev.clincher.router.testing.H2Upstream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.SelfSignedTls;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider calls speak HTTP/2 where the provider offers it: against real Jetty servers offering {@code h2} by ALPN
 * (directly and through a real {@code clincher egress} tunnel), offering only HTTP/1.1, and on plain http where h2c
 * would be accepted but must not be attempted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class Http2ProvidersTest {
  static final ObjectMapper JSON = new ObjectMapper();

  Path directory;
  H2Upstream h2;
  H2Upstream h2Shared;
  H2Upstream http11Alpn;
  H2Upstream http11NoAlpn;
  H2Upstream plain;
  RunningRouter router;

  @BeforeAll
  void start(@TempDir Path temporary) throws Exception {
    directory = temporary;
    SelfSignedTls tls = SelfSignedTls.forHost("localhost", directory);
    h2 = H2Upstream.startTls(tls.serverContext());
    h2Shared = H2Upstream.startTls(tls.serverContext());
    http11Alpn = H2Upstream.startTls(tls.serverContext(), "http/1.1");
    http11NoAlpn = H2Upstream.startTlsWithoutAlpn(tls.serverContext());
    plain = H2Upstream.startPlain();
    router = RunningRouter.start(directory, """
        model_list:
          - model_name: h2-model
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: shared-model
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: http11-alpn-model
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: http11-no-alpn-model
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: plain-model
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
        router_settings:
          num_retries: 2
          disable_cooldowns: true
        """.formatted(h2.apiBase("localhost"), h2Shared.apiBase("localhost"), http11Alpn.apiBase("localhost"),
        http11NoAlpn.apiBase("localhost"), plain.apiBase("127.0.0.1")), Map.of(), tls.clientContext());
  }

  @AfterAll
  void stop() throws Exception {
    router.close();
    for (H2Upstream fake : List.of(h2, h2Shared, http11Alpn, http11NoAlpn, plain)) {
      fake.close();
    }
  }

  @BeforeEach
  void resetFakes() {
    for (H2Upstream fake : List.of(h2, http11Alpn, http11NoAlpn, plain)) {
      fake.reset();
    }
  }

  @Test
  void nonStreamedCallGoesOverHttp2() throws Exception {
    h2.then(new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-h2", "answered over h2")));

    HttpResponse<String> response = router.post("/v1/chat/completions", chat("h2-model", false));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.path("id").asText()).isEqualTo("chatcmpl-h2");
    assertThat(answer.path("choices").path(0).path("message").path("content").asText()).isEqualTo("answered over h2");
    assertThat(h2.calls()).hasSize(1);
    H2Upstream.Call call = h2.calls().get(0);
    assertThat(call.version()).isEqualTo(HttpVersion.HTTP_2);
    assertThat(call.target()).isEqualTo("/v1/chat/completions");
    assertThat(call.header("authorization")).isEqualTo("Bearer " + RunningRouter.PROVIDER_KEY);
  }

  @Test
  void streamedCallGoesOverHttp2WithEveryChunkIntact() throws Exception {
    List<String> events = OpenAiWire.toolCallStream("chatcmpl-h2s");
    h2.then(new Stream(events, Duration.ofMillis(5), End.DONE));

    HttpResponse<String> response = router.post("/v1/chat/completions", chat("h2-model", true));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(sse(events));
    assertThat(toolArguments(response.body())).isEqualTo(OpenAiWire.TOOL_ARGUMENTS);
    assertThat(h2.calls()).singleElement().extracting(H2Upstream.Call::version).isEqualTo(HttpVersion.HTTP_2);
  }

  @Test
  void concurrentStreamsShareOneHttp2Connection() throws Exception {
    // One call first: until the first connection's SETTINGS arrive, Jetty's pool counts one call per connection, so a
    // cold burst may open a few connections; once the connection is up, every concurrent call is a stream on it.
    assertThat(router.post("/v1/chat/completions", chat("shared-model", false)).statusCode()).isEqualTo(200);
    List<String> events = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      events.add(OpenAiWire.chunk("chatcmpl-many", "{\"content\":\"w" + i + " \"}", null));
    }
    h2Shared.setDefault(new Stream(events, Duration.ofMillis(30), End.DONE));
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      responses.add(router.client().sendAsync(router.request("/v1/chat/completions")
          .POST(HttpRequest.BodyPublishers.ofString(chat("shared-model", true))).build(),
          HttpResponse.BodyHandlers.ofString()));
    }

    for (CompletableFuture<HttpResponse<String>> pending : responses) {
      HttpResponse<String> response = pending.get();
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(sse(events));
    }
    assertThat(h2Shared.calls()).hasSize(21)
        .allSatisfy(call -> assertThat(call.version()).isEqualTo(HttpVersion.HTTP_2));
    assertThat(h2Shared.calls().stream().map(H2Upstream.Call::clientPort).distinct()).hasSize(1);
    assertThat(h2Shared.connections()).isEqualTo(1);
    assertThat(h2Shared.maxConcurrent()).as("the streams overlapped").isGreaterThanOrEqualTo(10);
  }

  @Test
  void tlsProviderOfferingOnlyHttp11IsReachedOverHttp11() throws Exception {
    for (H2Upstream fake : List.of(http11Alpn, http11NoAlpn)) {
      String model = fake == http11Alpn ? "http11-alpn-model" : "http11-no-alpn-model";
      fake.then(new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-h1", "answered over 1.1")));
      HttpResponse<String> response = router.post("/v1/chat/completions", chat(model, false));
      assertThat(response.statusCode()).as(model + ": " + response.body()).isEqualTo(200);
      assertThat(JSON.readTree(response.body()).path("choices").path(0).path("message").path("content").asText())
          .isEqualTo("answered over 1.1");

      List<String> events = OpenAiWire.toolCallStream("chatcmpl-h1s");
      fake.then(new Stream(events, Duration.ofMillis(5), End.DONE));
      HttpResponse<String> streamed = router.post("/v1/chat/completions", chat(model, true));
      assertThat(streamed.statusCode()).as(model + ": " + streamed.body()).isEqualTo(200);
      assertThat(streamed.body()).isEqualTo(sse(events));

      assertThat(fake.calls()).as(model).hasSize(2)
          .allSatisfy(call -> assertThat(call.version()).isEqualTo(HttpVersion.HTTP_1_1));
    }
  }

  @Test
  void plainHttpProviderIsSpokenToInHttp11WithoutAnH2cUpgrade() throws Exception {
    plain.then(new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-plain", "plain answer")));
    List<String> events = OpenAiWire.toolCallStream("chatcmpl-plains");
    plain.then(new Stream(events, Duration.ofMillis(5), End.DONE));

    HttpResponse<String> response = router.post("/v1/chat/completions", chat("plain-model", false));
    HttpResponse<String> streamed = router.post("/v1/chat/completions", chat("plain-model", true));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("plain answer");
    assertThat(streamed.body()).isEqualTo(sse(events));
    assertThat(plain.calls()).hasSize(2).allSatisfy(call -> {
      assertThat(call.version()).isEqualTo(HttpVersion.HTTP_1_1);
      assertThat(call.headers()).doesNotContainKeys("upgrade", "http2-settings");
      assertThat(call.header("connection")).satisfiesAnyOf(
          value -> assertThat(value).isNull(), value -> assertThat(value).doesNotContainIgnoringCase("upgrade"));
    });
  }

  @Test
  void clientDisconnectResetsTheUpstreamStreamAndTheConnectionSurvives() throws Exception {
    h2.then(new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-warm", "warm")));
    assertThat(router.post("/v1/chat/completions", chat("h2-model", false)).statusCode()).isEqualTo(200);
    int port = h2.calls().get(0).clientPort();
    int connectionsBefore = h2.connections(); // 1 when this test runs first, 0 when an earlier one opened it
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      many.add(OpenAiWire.chunk("chatcmpl-long", "{\"content\":\"w" + i + " \"}", null));
    }
    h2.then(new Stream(many, Duration.ofMillis(50), End.DONE));

    HttpResponse<InputStream> response = router.client().send(router.request("/v1/chat/completions")
        .POST(HttpRequest.BodyPublishers.ofString(chat("h2-model", true))).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      assertThat(body.readNBytes(200)).hasSize(200);
    }
    // The fake's next write fails on the reset stream. Jetty may also report the reset to the server's failure
    // listener, but only while the answer is still open: after the failed write has completed it, it does not.
    waitFor(() -> h2.aborted() == 1);

    assertThat(h2.aborted()).isEqualTo(1);
    assertThat(h2.abortCauses()).singleElement().asString().as("the write failed on a stream reset, not a closed "
        + "connection").containsIgnoringCase("reset");
    assertThat(h2.failures()).allSatisfy(failure -> assertThat(failure).hasMessageContaining("cancel_stream_error"));
    h2.then(new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-after", "still here")));
    HttpResponse<String> next = router.post("/v1/chat/completions", chat("h2-model", false));
    assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
    assertThat(next.body()).contains("still here");
    assertThat(h2.calls()).hasSize(3).allSatisfy(call -> {
      assertThat(call.version()).isEqualTo(HttpVersion.HTTP_2);
      assertThat(call.clientPort()).as("one connection for all three calls").isEqualTo(port);
    });
    assertThat(h2.connections()).as("no new connection after the reset stream").isEqualTo(connectionsBefore);
  }

  @Test
  void rateLimitOverHttp2IsRetriedAfterRetryAfter() throws Exception {
    h2.then(new Json(429, Map.of("Retry-After", "1"),
        OpenAiWire.error("Rate limit reached", "rate_limit_error", "rate_limit_exceeded")),
        new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-retried", "after the wait")));
    long start = System.nanoTime();

    HttpResponse<String> response = router.post("/v1/chat/completions", chat("h2-model", false));

    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("after the wait");
    assertThat(elapsedMs).isGreaterThanOrEqualTo(950);
    assertThat(h2.calls()).hasSize(2)
        .allSatisfy(call -> assertThat(call.version()).isEqualTo(HttpVersion.HTTP_2));
    assertThat(h2.calls().get(1).clientPort()).isEqualTo(h2.calls().get(0).clientPort());
  }

  @Test
  void http2GoesThroughTheEgressTunnelAfterAnHttp11Connect() throws Exception {
    SelfSignedTls tls = SelfSignedTls.forHost("api.allowed.test", directory);
    // api.allowed.test resolves only inside the egress: a call that succeeds cannot have gone direct.
    try (H2Upstream behind = H2Upstream.startTls(tls.serverContext());
        EgressServer egress = EgressRoutingTest.startEgress(directory, "api.allowed.test");
        RunningRouter proxied = RunningRouter.start(directory, """
            model_list:
              - model_name: tunnelled
                litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
            """.formatted(behind.apiBase("api.allowed.test")),
            Map.of("HTTPS_PROXY", "http://127.0.0.1:" + egress.address().getPort()), tls.clientContext())) {
      behind.then(new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-tunnel", "through the tunnel")));
      List<String> events = OpenAiWire.toolCallStream("chatcmpl-tunnels");
      behind.then(new Stream(events, Duration.ofMillis(5), End.DONE));

      HttpResponse<String> response = proxied.post("/v1/chat/completions", chat("tunnelled", false));
      HttpResponse<String> streamed = proxied.post("/v1/chat/completions", chat("tunnelled", true));

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.body()).contains("through the tunnel");
      assertThat(streamed.body()).isEqualTo(sse(events));
      assertThat(behind.calls()).hasSize(2)
          .allSatisfy(call -> assertThat(call.version()).isEqualTo(HttpVersion.HTTP_2));
      assertThat(behind.connections()).as("both calls in one tunnel").isEqualTo(1);
    }
  }

  static String chat(String model, boolean stream) {
    String streaming = stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "";
    return """
        {"model":"%s",%s"messages":[{"role":"user","content":"hi"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}"""
        .formatted(model, streaming);
  }

  /** The SSE body the router passes on for {@code events}: each as a data line, then {@code [DONE]}. */
  static String sse(List<String> events) {
    StringBuilder expected = new StringBuilder();
    events.forEach(data -> expected.append("data: ").append(data).append("\n\n"));
    return expected.append("data: [DONE]\n\n").toString();
  }

  static void waitFor(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
