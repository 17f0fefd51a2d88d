package dev.clincher.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.clincher.gateway.sandbox.DockerTestSupport;
import dev.clincher.gateway.testing.RunningGateway;
import dev.clincher.gateway.testing.ScriptedModel;
import dev.clincher.gateway.testing.ScriptedProvider;
import dev.clincher.gateway.testing.SseEvents;
import dev.clincher.router.testing.RunningRouter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spine end to end, all real parts but the provider: gateway → real router → scripted fake provider, and
 * gateway → real socket proxy (sandbox profile) → real dockerd → sandbox container. A user asks, the model calls
 * {@code exec}, the sandbox runs it, the model answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class GatewayEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String EXEC_ARGS = "{\"command\":\"echo hello-from-sandbox; id -u\"}";

  DockerTestSupport docker;
  ScriptedProvider provider;
  RunningRouter router;
  RunningGateway gateway;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    docker = DockerTestSupport.start();
    provider = ScriptedProvider.start(ScriptedProvider.toolThenAnswer("exec", EXEC_ARGS, "The sandbox said hello."));
    router = provider.router(directory);
    gateway = RunningGateway.start(directory, """
        auth:
          trusted_proxies: [127.0.0.1/32]
          allowed_origins: [https://chat.example]
        router: {url: "%s"}
        storage: {url: "jdbc:sqlite:%s"}
        docker: {host: "tcp://127.0.0.1:%d"}
        sandbox: {image: "%s", instance: "%s", scope: agent}
        agents:
          main:
            model: scripted
            system_prompt: You are a test agent.
            max_steps: 6
          small:
            model: scripted
            system_prompt: You are a smaller test agent.
            sandbox: {memory: 512m, pids: 128}
        """.formatted(router.baseUrl(), directory.resolve("gateway.db"), docker.proxied.host().port(),
        DockerTestSupport.IMAGE, docker.instance), Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    if (docker != null) { // the small agent's sandboxes carry their own instance label
      for (JsonNode container : docker.direct.listContainers(Map.of("clincher.instance", docker.instance + "-small"))) {
        docker.direct.removeContainer(container.path("Id").asText(), true);
      }
    }
    if (gateway != null) {
      gateway.close();
    }
    if (router != null) {
      router.close();
    }
    if (provider != null) {
      provider.close();
    }
    if (docker != null) {
      docker.close();
    }
  }

  String newSession() throws Exception {
    return gateway.newSession("main");
  }

  List<JsonNode> send(String session, String text) throws Exception {
    HttpResponse<String> response = gateway.post("/v1/sessions/" + session + "/messages",
        JSON.createObjectNode().put("content", text).toString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    return SseEvents.parse(response.body());
  }

  @Test
  void theModelCallsExecTheSandboxRunsItTheModelAnswers() throws Exception {
    String session = newSession();
    List<JsonNode> events = send(session, "Say hello from the sandbox");

    assertThat(SseEvents.types(events)).containsSubsequence("user_message", "assistant_message", "tool_call",
        "tool_result", "assistant_delta", "assistant_message", "done");
    JsonNode result = SseEvents.ofType(events, "tool_result").getFirst().path("data");
    assertThat(result.path("name").asText()).isEqualTo("exec");
    assertThat(result.path("content").asText()).contains("hello-from-sandbox").contains("1000");
    assertThat(events.getLast().path("data").path("reason").asText()).isEqualTo("completed");
    // the provider saw the tool result in the second call
    assertThat(provider.requests()).anySatisfy(request -> assertThat(request.toString()).contains("hello-from-sandbox"));
    // the transcript holds the same events, in order
    JsonNode transcript = JSON.readTree(gateway.get("/v1/sessions/" + session + "/events").body());
    List<Long> seqs = new ArrayList<>();
    transcript.path("events").forEach(event -> seqs.add(event.path("seq").asLong()));
    assertThat(seqs).isSorted().doesNotHaveDuplicates().hasSize(events.size());
    assertThat(docker.containers()).hasSize(1);
  }

  @Test
  void anAgentWithItsOwnSandboxSettingsGetsItsOwnContainer() throws Exception {
    HttpResponse<String> created = gateway.post("/v1/sessions", "{\"agent\":\"small\"}");
    String session = JSON.readTree(created.body()).path("id").asText();
    List<JsonNode> events = send(session, "Say hello from the sandbox");
    assertThat(SseEvents.ofType(events, "tool_result").getFirst().path("data").path("content").asText())
        .contains("hello-from-sandbox");
    List<JsonNode> own = docker.direct.listContainers(Map.of("clincher.instance", docker.instance + "-small"));
    assertThat(own).hasSize(1);
    JsonNode host = docker.inspect(own.getFirst().path("Id").asText()).path("HostConfig");
    assertThat(host.path("Memory").asLong()).isEqualTo(512L * 1024 * 1024);
    assertThat(host.path("MemorySwap").asLong()).isEqualTo(768L * 1024 * 1024);
    assertThat(host.path("PidsLimit").asLong()).isEqualTo(128);
    assertThat(host.path("NetworkMode").asText()).isEqualTo("none");
  }

  @Test
  void deniedAndUnknownToolsAreRefusedAndTheRunContinues() throws Exception {
    String session = newSession();
    provider.script(request -> ScriptedProvider.lastRole(request).equals("user")
        ? ScriptedModel.toolCalls(new ScriptedModel.Call("c1", "docker", "{\"args\":\"run --privileged\"}"),
            new ScriptedModel.Call("c2", "HOST_EXEC", "{}"), new ScriptedModel.Call("c3", "rm_rf_everything", "{}"))
        : ScriptedModel.text("I could not do that."));
    try {
      List<JsonNode> events = send(session, "escape please");
      List<JsonNode> denied = SseEvents.ofType(events, "tool_denied");
      assertThat(denied).hasSize(3);
      assertThat(denied.get(0).path("data").path("layer").asText()).isEqualTo("gateway");
      assertThat(denied.get(0).path("data").path("rule").asText()).as("the entry that decided").isEqualTo("docker");
      assertThat(denied.get(1).path("data").path("rule").asText()).isEqualTo("host_exec");
      assertThat(denied.get(2).path("data").path("layer").asText()).isEqualTo("registry");
      assertThat(SseEvents.ofType(events, "tool_call")).isEmpty();
      assertThat(events.getLast().path("data").path("reason").asText()).isEqualTo("completed");
      String metrics = gateway.scrape().body();
      assertThat(metrics).contains("clincher_gateway_tool_denied_total")
          .contains("clincher_gateway_run_duration_seconds_bucket{").contains("clincher_gateway_runs_in_progress")
          .contains("clincher_gateway_sandbox_start_duration_seconds_bucket{");
    } finally {
      provider.script(ScriptedProvider.toolThenAnswer("exec", EXEC_ARGS, "The sandbox said hello."));
    }
  }

  @Test
  void secondMessageWhileARunIsGoingIsRefused() throws Exception {
    String session = newSession();
    provider.script(request -> new dev.clincher.router.testing.FakeUpstream.Stream(
        ScriptedModel.text("slow", " answer").events(), Duration.ofMillis(300),
        dev.clincher.router.testing.FakeUpstream.End.DONE));
    try {
      CompletableFuture<HttpResponse<String>> first = gateway.client().sendAsync(
          gateway.request("/v1/sessions/" + session + "/messages").POST(
              java.net.http.HttpRequest.BodyPublishers.ofString("{\"content\":\"one\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      Thread.sleep(300);
      HttpResponse<String> second = gateway.post("/v1/sessions/" + session + "/messages", "{\"content\":\"two\"}");
      assertThat(second.statusCode()).isEqualTo(409);
      assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(SseEvents.ofType(SseEvents.parse(first.get().body()), "user_message")).hasSize(1);
    } finally {
      provider.script(ScriptedProvider.toolThenAnswer("exec", EXEC_ARGS, "The sandbox said hello."));
    }
  }

  @Test
  void aMessageSentAsSoonAsTheLastRunsDoneArrivesIsAccepted() throws Exception {
    // done reaches the client before the run has recorded its end and left; the next message must not be "busy"
    String session = newSession();
    provider.script(request -> ScriptedModel.text("ok"));
    try {
      for (int i = 0; i < 10; i++) {
        List<JsonNode> events = send(session, "turn " + i);
        assertThat(events.getLast().path("type").asText()).isEqualTo("done");
      }
    } finally {
      provider.script(ScriptedProvider.toolThenAnswer("exec", EXEC_ARGS, "The sandbox said hello."));
    }
  }

  @Test
  void abortEndsTheRunWithItsOwnReason() throws Exception {
    String session = newSession();
    provider.script(request -> new dev.clincher.router.testing.FakeUpstream.Stream(
        ScriptedModel.text("a", "b", "c", "d", "e", "f").events(), Duration.ofMillis(500),
        dev.clincher.router.testing.FakeUpstream.End.DONE));
    try {
      CompletableFuture<HttpResponse<String>> run = gateway.client().sendAsync(
          gateway.request("/v1/sessions/" + session + "/messages").POST(
              java.net.http.HttpRequest.BodyPublishers.ofString("{\"content\":\"long\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      Thread.sleep(700);
      assertThat(gateway.post("/v1/sessions/" + session + "/abort", "{}").statusCode()).isEqualTo(202);
      List<JsonNode> events = SseEvents.parse(run.get(30, TimeUnit.SECONDS).body());
      assertThat(events.getLast().path("data").path("reason").asText()).isEqualTo("aborted");
    } finally {
      provider.script(ScriptedProvider.toolThenAnswer("exec", EXEC_ARGS, "The sandbox said hello."));
    }
  }

  @Test
  void abortWithoutARunAnswersTheErrorShape() throws Exception {
    String session = newSession();
    HttpResponse<String> response = gateway.post("/v1/sessions/" + session + "/abort", "{}");
    assertThat(response.statusCode()).isEqualTo(409);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("type").asText()).as(response.body()).isEqualTo("no_active_run");
    assertThat(error.path("message").asText()).contains(session, "no run in progress");
    assertThat(response.body()).doesNotContain("aborted");
  }

  @Test
  void officialOpenAiSdkTalksToTheAgent() throws Exception {
    OpenAIClient client = OpenAIOkHttpClient.builder().apiKey(RunningGateway.TOKEN)
        .baseUrl(gateway.baseUrl() + "/v1").maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("clincher:main")
        .addUserMessage("Say hello from the sandbox").build();
    ChatCompletion completion = client.chat().completions().create(params);
    assertThat(completion.choices().getFirst().message().content()).contains("The sandbox said hello.");

    StringBuilder streamed = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(choice ->
          choice.delta().content().ifPresent(streamed::append)));
    }
    assertThat(streamed.toString()).isEqualTo("The sandbox said hello.");
  }

  @Test
  void chatCompletionsContinuesASessionByHeader() throws Exception {
    HttpResponse<String> first = gateway.post("/v1/chat/completions",
        "{\"model\":\"clincher:main\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(first.statusCode()).isEqualTo(200);
    String session = first.headers().firstValue("X-Clincher-Session").orElseThrow();
    HttpResponse<String> second = gateway.client().send(gateway.request("/v1/chat/completions")
        .header("X-Clincher-Session", session)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"clincher:main\",\"messages\":[{\"role\":\"user\",\"content\":\"again\"}]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(second.statusCode()).isEqualTo(200);
    JsonNode transcript = JSON.readTree(gateway.get("/v1/sessions/" + session + "/events").body());
    long userMessages = 0;
    for (JsonNode event : transcript.path("events")) {
      userMessages += event.path("type").asText().equals("user_message") ? 1 : 0;
    }
    assertThat(userMessages).isEqualTo(2);
    assertThat(gateway.post("/v1/chat/completions",
        "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(400);
  }

  @Test
  void webSocketStreamsTheSameEvents() throws Exception {
    String session = newSession();
    String subprotocol = JSON.readTree(gateway.post("/v1/ws/ticket", "{}").body()).path("subprotocol").asText();
    List<JsonNode> received = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    WebSocket socket = gateway.client().newWebSocketBuilder().subprotocols("clincher.v1", subprotocol)
        .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/v1/ws"), new WebSocket.Listener() {
          final StringBuilder text = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
              try {
                JsonNode event = JSON.readTree(text.toString());
                received.add(event);
                if (event.path("type").asText().equals("done")) {
                  done.countDown();
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              text.setLength(0);
            }
            webSocket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    assertThat(socket.getSubprotocol()).isEqualTo("clincher.v1");
    socket.sendText(JSON.createObjectNode().put("type", "send").put("session", session)
        .put("content", "Say hello from the sandbox").toString(), true).get(5, TimeUnit.SECONDS);
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(SseEvents.types(received)).containsSubsequence("user_message", "tool_call", "tool_result", "done");
    socket.abort();

    // the ticket was single-use: a second connection with it is refused
    CompletableFuture<WebSocket> reused = gateway.client().newWebSocketBuilder()
        .subprotocols("clincher.v1", subprotocol)
        .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/v1/ws"), new WebSocket.Listener() { });
    assertThat(reused).failsWithin(10, TimeUnit.SECONDS);
  }

  @Test
  void authIsRequiredLimitedAndOriginChecked() throws Exception {
    var anonymous = java.net.http.HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/sessions")).GET();
    assertThat(gateway.client().send(anonymous.build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);
    assertThat(gateway.client().send(java.net.http.HttpRequest.newBuilder(
        URI.create(gateway.baseUrl() + "/v1/sessions?token=" + RunningGateway.TOKEN)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    assertThat(gateway.client().send(gateway.request("/v1/sessions").header("Origin", "https://evil.example")
        .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    assertThat(gateway.client().send(gateway.request("/v1/sessions").header("Origin", "https://chat.example")
        .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    // ten wrong tokens from one client (behind the trusted proxy) lock that client out, even with the right token
    for (int i = 0; i < 10; i++) {
      var wrong = java.net.http.HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/sessions"))
          .header("Authorization", "Bearer wrong-" + i).header("X-Forwarded-For", "203.0.113.9").GET().build();
      int status = gateway.client().send(wrong, HttpResponse.BodyHandlers.ofString()).statusCode();
      assertThat(status).isEqualTo(i < 9 ? 401 : 429); // the tenth failure starts the lockout
    }
    HttpResponse<String> locked = gateway.client().send(gateway.request("/v1/sessions")
        .header("X-Forwarded-For", "203.0.113.9").GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.headers().firstValue("Retry-After")).isPresent();
    // another client is not affected
    assertThat(gateway.client().send(gateway.request("/v1/sessions").header("X-Forwarded-For", "203.0.113.10")
        .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    // health needs no token, metrics does
    assertThat(gateway.client().send(java.net.http.HttpRequest.newBuilder(
        URI.create(gateway.baseUrl() + "/health/liveliness")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(gateway.client().send(java.net.http.HttpRequest.newBuilder(
        URI.create(gateway.baseUrl() + "/metrics")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    assertThat(gateway.get("/metrics").statusCode()).as("the operator token is no metrics credential")
        .isEqualTo(401);
    HttpResponse<String> scrape = gateway.scrape();
    assertThat(scrape.statusCode()).isEqualTo(200);
    // every refusal above is counted by the rule its log line names
    assertThat(scrape.body()).containsPattern(
        "clincher_gateway_auth_refused_total\\{outcome=\"UNAUTHENTICATED\",rule=\"wrong_token\",service=\"gateway\"} 9\\.0")
        .contains("outcome=\"LOCKED_OUT\"");
  }

  @Test
  void readinessChecksRouterDockerAndStorage() throws Exception {
    HttpResponse<String> ready = gateway.readiness();
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("router").contains("docker").contains("storage");
  }

  @Test
  void fiftyConcurrentSessionsWithTools() throws Exception {
    int sessions = 50;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      ids.add(newSession());
    }
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    List<Future<List<JsonNode>>> runs = new ArrayList<>();
    for (String id : ids) {
      runs.add(pool.submit(() -> send(id, "Say hello from the sandbox")));
    }
    int completed = 0;
    for (Future<List<JsonNode>> run : runs) {
      List<JsonNode> events = run.get(150, TimeUnit.SECONDS);
      assertThat(SseEvents.ofType(events, "tool_result").getFirst().path("data").path("content").asText())
          .contains("hello-from-sandbox");
      completed += events.getLast().path("data").path("reason").asText().equals("completed") ? 1 : 0;
    }
    pool.shutdown();
    assertThat(completed).isEqualTo(sessions);
    assertThat(docker.containers()).hasSize(1); // scope agent: one sandbox serves the agent's sessions
  }
}
