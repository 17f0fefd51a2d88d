package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.GatewaySettings;
import dev.clincher.gateway.testing.RunningGateway;
import dev.clincher.gateway.testing.ScriptedModel;
import dev.clincher.gateway.testing.ScriptedProvider;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.RunningRouter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Telegram channel wired into a running gateway: the fake Bot API, the real router and the scripted model. A
 * stranger gets only a pairing code, the operator approves it over the API, the paired user's message runs the agent
 * and the answer arrives as an edited message with its tool calls shown; busy, /abort, /status and /new work; a
 * restart keeps the pairing and answers no update twice.
 */
@Timeout(120)
class TelegramGatewayTest {
  static final String USER = "7";

  @TempDir
  Path directory;
  FakeBotApi fake;
  ScriptedProvider provider;
  RunningRouter router;
  RunningGateway gateway;
  GatewaySettings settings;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeBotApi();
    provider = ScriptedProvider.start(TelegramGatewayTest::script);
    router = provider.router(directory);
  }

  /** Starts the gateway with the Telegram channel enabled and {@code telegram} (YAML flow entries) added. */
  void startGateway(String telegram) throws Exception {
    Path token = secretFile("telegram-token", FakeBotApi.TOKEN);
    Path config = Files.writeString(directory.resolve("gateway.yaml"), """
        router: {url: "%s"}
        storage: {url: "jdbc:sqlite:%s"}
        docker: {host: "tcp://127.0.0.1:9"}
        egress: {allow_direct: true}
        agents:
          main:
            model: scripted
            system_prompt: You are a test agent.
            tools: {deny: [exec]}
        channels:
          telegram: {enabled: true, token_file: "%s", api_url: "%s", %s}
        """.formatted(router.baseUrl(), directory.resolve("gateway.db"), token, fake.baseUrl(), telegram));
    settings = RunningGateway.settings(directory, config, Map.of());
    gateway = RunningGateway.restart(settings);
  }

  Path secretFile(String name, String value) throws Exception {
    Path file = Files.writeString(directory.resolve(name), value);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  @AfterEach
  void stop() {
    for (AutoCloseable open : new AutoCloseable[] {gateway, router, provider, fake}) {
      try {
        if (open != null) {
          open.close();
        }
      } catch (Exception e) {
        // closing the rest
      }
    }
  }

  /**
   * "slow…" gets a slow answer (~10 s, which the test aborts: long enough that its messages, a busy reply and the
   * abort, arrive while it runs on a loaded machine; 5 s was not, once); any other message two tool calls (one
   * denied), then a streamed answer.
   */
  static FakeUpstream.Stream script(JsonNode request) {
    if (request.toString().contains("slow")) {
      return new FakeUpstream.Stream(ScriptedModel.text("thinking", " very", " slowly", " about", " it").events(),
          Duration.ofMillis(1_500), FakeUpstream.End.DONE);
    }
    if (ScriptedProvider.lastRole(request).equals("user")) {
      return ScriptedModel.toolCalls(new ScriptedModel.Call("c1", "sessions_list", "{}"),
          new ScriptedModel.Call("c2", "exec", "{\"command\":\"rm -rf /\"}"));
    }
    return new FakeUpstream.Stream(ScriptedModel.text("You", " have", " **one**", " session.").events(),
        Duration.ofMillis(300), FakeUpstream.End.DONE);
  }

  @Test
  void aPairedUserTalksToTheAgentThroughTelegram() throws Exception {
    startGateway("poll_timeout: 1s");
    String code = strangerGetsOnlyAPairingCode();
    gateway.close();
    Thread.sleep(1500); // the fake's last long poll (1 s) ends, as Telegram's would
    gateway = RunningGateway.restart(settings);
    assertThat(FakeBotApi.JSON.readTree(gateway.get("/v1/channels/telegram/senders").body()).path("pending_codes")
        .asInt()).as("the pending code survived the restart").isEqualTo(1);
    assertThat(post("/v1/channels/telegram/approve", "{\"code\":\"" + code + "\"}", false).statusCode())
        .as("the approval needs the operator token").isEqualTo(401);
    HttpResponse<String> approved = post("/v1/channels/telegram/approve", "{\"code\":\"" + code + "\"}", true);
    assertThat(approved.statusCode()).isEqualTo(200);
    assertThat(approved.body()).contains("\"sender\":\"7\"");

    fake.userWrites(USER, "which sessions do I have?");
    LongPollerTest.await(() -> lastText().endsWith("You have <b>one</b> session."));
    assertThat(lastText()).contains("⚙ sessions_list", "⛔ exec denied by rule exec (agent policy)");
    assertThat(fake.messages(USER).getLast().versions()).as("streamed by editing one message").hasSizeGreaterThan(1);

    busyAbortStatusAndNew();
    restartKeepsThePairingAndAnswersNothingTwice();
    listAndRevokeTakeEffectOnTheNextMessage();
  }

  @Test
  void aBotTelegramCouldNotReachAtStartIsStartedInTheBackgroundAndReadinessSaysDegraded() throws Exception {
    fake.failNext("getMe", 502, "Bad Gateway");
    startGateway("poll_timeout: 1s, max_file_bytes: 1048576");
    JsonNode readiness = readiness();
    assertThat(readiness.at("/checks/telegram/status").asText()).isEqualTo("degraded");
    assertThat(readiness.at("/checks/telegram/detail").asText()).contains("could not be reached at start");
    assertThat(FakeBotApi.JSON.readTree(gateway.get("/v1/channels/telegram/status").body()).path("running")
        .asBoolean()).isFalse();

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos(); // the first retry comes after 5 s
    while (!readiness().at("/checks/telegram/status").asText().equals("healthy") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(readiness().at("/checks/telegram/detail").asText()).isEqualTo("polling as @" + FakeBotApi.BOT_USERNAME);
    fake.userWrites(USER, "hello");
    LongPollerTest.await(() -> fake.texts(USER).size() == 1);
    assertThat(fake.texts(USER).getFirst()).contains("pairing code");

    fake.failNext("getUpdates", 409, "Conflict: terminated by other getUpdates request");
    LongPollerTest.await(() -> readiness().at("/checks/telegram/detail").asText().startsWith("conflict: "));
    assertThat(readiness().at("/checks/telegram/status").asText()).isEqualTo("degraded");
  }

  JsonNode readiness() {
    try {
      return FakeBotApi.JSON.readTree(gateway.readiness().body()); // degraded never fails it (HealthTest)
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theWebhookPathAloneIsServedWithoutTheTokenAndOnlyWithTelegramsSecret() throws Exception {
    secretFile("webhook-secret", "hook-secret-4f2a");
    startGateway("mode: webhook, webhook_url: \"https://agent.example/telegram/hook\", webhook_secret_file: \""
        + directory.resolve("webhook-secret") + "\"");
    assertThat(fake.webhook().path("url").asText()).isEqualTo("https://agent.example/telegram/hook");

    assertThat(post("/telegram/hook", WebhookHandlerTest.update(1, "hi"), false).statusCode())
        .as("no secret header").isEqualTo(401);
    assertThat(fake.texts(USER)).isEmpty();
    assertThat(webhook("/telegram/hook", WebhookHandlerTest.update(2, "hi")).statusCode()).isEqualTo(200);
    LongPollerTest.await(() -> fake.texts(USER).size() == 1);
    assertThat(fake.texts(USER).getFirst()).contains("pairing code");

    assertThat(webhook("/telegram/hook/more", WebhookHandlerTest.update(3, "hi")).statusCode())
        .as("only the exact path skips the gateway token").isEqualTo(401);
    assertThat(webhook("/v1/sessions", "{\"agent\":\"main\"}").statusCode()).isEqualTo(401);
    assertThat(fake.calls("getUpdates")).isEmpty();
  }

  HttpResponse<String> webhook(String path, String body) throws Exception {
    return gateway.client().send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
        .timeout(Duration.ofSeconds(10)).header(WebhookHandler.SECRET_HEADER, "hook-secret-4f2a")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  String strangerGetsOnlyAPairingCode() throws Exception {
    fake.userWrites(USER, "hello");
    LongPollerTest.await(() -> fake.texts(USER).size() == 1);
    Matcher code = Pattern.compile("([A-Z2-9]{8})$").matcher(fake.texts(USER).getFirst());
    assertThat(code.find()).isTrue();
    assertThat(provider.calls()).as("no run for a stranger").isZero();
    JsonNode status = FakeBotApi.JSON.readTree(gateway.get("/v1/channels/telegram/status").body());
    assertThat(status.path("running").asBoolean()).isTrue();
    assertThat(status.path("paired_senders")).isEmpty();
    return code.group(1);
  }

  void busyAbortStatusAndNew() throws Exception {
    int before = fake.texts(USER).size();
    fake.userWrites(USER, "think slow please");
    LongPollerTest.await(() -> fake.texts(USER).size() == before + 1);
    fake.userWrites(USER, "and another thing");
    LongPollerTest.await(() -> lastText().startsWith("Still working on your last message"));
    fake.userWrites(USER, "/abort");
    LongPollerTest.await(() -> fake.texts(USER).contains("Aborted the run."));
    LongPollerTest.await(() -> fake.texts(USER).get(before).contains("(run aborted"));
    fake.userWrites(USER, "/status");
    LongPollerTest.await(() -> lastText().endsWith("idle."));
    String session = lastText().split(" ")[1];
    fake.userWrites(USER, "/new");
    LongPollerTest.await(() -> lastText().startsWith("Started a new session"));
    fake.userWrites(USER, "/status");
    LongPollerTest.await(() -> lastText().endsWith("idle.") && !lastText().contains(session));
  }

  void restartKeepsThePairingAndAnswersNothingTwice() throws Exception {
    int answered = fake.texts(USER).size();
    int modelCalls = provider.calls();
    gateway.close();
    Thread.sleep(1500); // the fake's last long poll (1 s) ends, as Telegram's would
    gateway = RunningGateway.restart(settings);
    Thread.sleep(1500);
    assertThat(fake.texts(USER)).as("no update answered twice").hasSize(answered);

    fake.userWrites(USER, "still there?");
    LongPollerTest.await(() -> lastText().endsWith("You have <b>one</b> session."));
    assertThat(provider.calls()).isGreaterThan(modelCalls);
    assertThat(fake.texts(USER)).hasSize(answered + 1);
  }

  void listAndRevokeTakeEffectOnTheNextMessage() throws Exception {
    JsonNode senders = FakeBotApi.JSON.readTree(gateway.get("/v1/channels/telegram/senders").body());
    assertThat(senders.path("paired_senders").get(0).path("user_id").asText()).isEqualTo(USER);
    assertThat(senders.path("paired_senders").get(0).path("approved_at").asText()).isNotBlank();
    assertThat(senders.path("pending_codes").asInt()).isZero();
    assertThat(post("/v1/channels/telegram/revoke", "{\"user_id\":\"" + USER + "\"}", false).statusCode())
        .as("revoking needs the operator token").isEqualTo(401);
    assertThat(post("/v1/channels/telegram/revoke", "{\"user_id\":\"../7\"}", true).statusCode()).isEqualTo(400);
    assertThat(post("/v1/channels/telegram/revoke", "{\"user_id\":\"" + USER + "\"}", true).statusCode())
        .isEqualTo(200);
    assertThat(post("/v1/channels/telegram/revoke", "{\"user_id\":\"" + USER + "\"}", true).statusCode())
        .as("no longer paired").isEqualTo(404);

    int modelCalls = provider.calls();
    fake.userWrites(USER, "still there?");
    LongPollerTest.await(() -> lastText().contains("pairing code"));
    assertThat(provider.calls()).as("no run once revoked").isEqualTo(modelCalls);
    senders = FakeBotApi.JSON.readTree(gateway.get("/v1/channels/telegram/senders").body());
    assertThat(senders.path("paired_senders")).isEmpty();
    assertThat(senders.path("pending_codes").asInt()).isEqualTo(1);
  }

  String lastText() {
    return fake.texts(USER).isEmpty() ? "" : fake.texts(USER).getLast();
  }

  HttpResponse<String> post(String path, String body, boolean withToken) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (withToken) {
      request.header("Authorization", "Bearer " + RunningGateway.TOKEN);
    }
    return gateway.client().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
