package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.clincher.common.config.Secret;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.testing.LogCapture;
import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import dev.clincher.egress.address.StaticHostResolver;
import dev.clincher.egress.proxy.ProxyLimits;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Bot API client against the fake, through a real clincher egress proxy, and what it never reveals. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class BotApiTest {
  static final String ACL = """
      version: v1
      services: []
      default:
        name: default
        project: tests
        action: enforce
        allowed_domains: ["api.telegram.test"]
      """;
  static final String SECRET_HALF = FakeBotApi.TOKEN.substring(FakeBotApi.TOKEN.indexOf(':') + 1);

  FakeBotApi fake;
  EgressServer egress;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    fake = new FakeBotApi();
    Path acl = directory.resolve("acl.yaml");
    Files.writeString(acl, ACL);
    ProxyLimits limits = new ProxyLimits(8192, 100, Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofSeconds(30), Duration.ofMinutes(5), 64, 64 * 1024);
    EgressSettings settings = new EgressSettings("127.0.0.1", 0, Optional.of(acl), List.of(),
        List.of("127.0.0.0/8"), List.of(), List.of(), List.of(), true, limits, Duration.ofSeconds(1),
        Optional.empty());
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    egress = EgressServer.start(settings, new StaticHostResolver(Map.of(
        "api.telegram.test", List.of(loopback), "elsewhere.test", List.of(loopback))));
  }

  @AfterAll
  void stop() {
    egress.close();
    fake.close();
  }

  BotApi throughEgress(String host, String token) {
    InetSocketAddress proxy = InetSocketAddress.createUnresolved("127.0.0.1", egress.address().getPort());
    return new BotApi(new BotApiSettings(URI.create("http://" + host + ":" + fake.port()), Optional.of(proxy),
        Duration.ofSeconds(2), Duration.ofSeconds(2)), BotToken.of(token), FakeBotApi.JSON,
        new TelegramMetrics(Metrics.create("gateway")));
  }

  static BotApi direct(URI baseUrl, Duration timeout) {
    return direct(baseUrl, timeout, Metrics.create("gateway"));
  }

  static BotApi direct(URI baseUrl, Duration timeout, Metrics metrics) {
    return new BotApi(new BotApiSettings(baseUrl, Optional.empty(), Duration.ofSeconds(2), timeout),
        BotToken.of(FakeBotApi.TOKEN), FakeBotApi.JSON, new TelegramMetrics(metrics));
  }

  @Test
  void everyCallGoesThroughTheEgressProxy() throws Exception {
    int before = fake.calls().size();
    try (BotApi api = throughEgress("api.telegram.test", FakeBotApi.TOKEN)) {
      BotIdentity me = api.getMe();
      assertThat(me).isEqualTo(new BotIdentity(FakeBotApi.BOT_ID, FakeBotApi.BOT_USERNAME));
      long id = api.sendMessage("42", "hi", ParseMode.PLAIN);
      api.editMessageText("42", id, "hi there", ParseMode.PLAIN);
    }
    // api.telegram.test resolves nowhere but in the egress's table: reaching the fake proves the proxy carried it
    assertThat(fake.calls().subList(before, fake.calls().size())).extracting(FakeBotApi.Call::host).hasSize(3)
        .allMatch(host -> host.equals("api.telegram.test:" + fake.port()));
    assertThat(fake.texts("42")).containsExactly("hi there");
  }

  @Test
  void aHostTheEgressRefusesIsNeverReached() {
    int before = fake.calls().size();
    try (BotApi api = throughEgress("elsewhere.test", FakeBotApi.TOKEN)) {
      BotApiException e = catchThrowableOfType(BotApiException.class, api::getMe);
      assertThat(e.errorCode()).isEqualTo(403);
    }
    assertThat(fake.calls()).hasSize(before);
  }

  @Test
  void telegramsErrorsKeepTheirCodeDescriptionAndRetryAfterAndAreCounted() {
    Metrics metrics = Metrics.create("gateway");
    try (BotApi api = direct(fake.baseUrl(), Duration.ofSeconds(2), metrics)) {
      fake.failNext("sendMessage", 429, "Too Many Requests: retry after 7");
      BotApiException limited = catchThrowableOfType(BotApiException.class,
          () -> api.sendMessage("1", "x", ParseMode.PLAIN));
      assertThat(limited.errorCode()).isEqualTo(429);
      assertThat(limited.retryAfter()).contains(Duration.ofSeconds(7));
      assertThat(limited.isTransient()).isTrue();

      fake.failNext("getUpdates", 409, "Conflict: terminated by other getUpdates request");
      assertThat(catchThrowableOfType(BotApiException.class, () -> api.getUpdates(0, Duration.ZERO)).isConflict())
          .isTrue();

      BotApiException html = catchThrowableOfType(BotApiException.class,
          () -> api.sendMessage("1", "<x>", ParseMode.HTML));
      assertThat(html.isEntityParseError()).isTrue();
    }
    assertThat(metrics.scrape()).contains(
        "clincher_gateway_telegram_errors_total{code=\"429\",method=\"sendMessage\",service=\"gateway\"} 1.0",
        "clincher_gateway_telegram_errors_total{code=\"409\",method=\"getUpdates\",service=\"gateway\"} 1.0");
  }

  @Test
  void theTokenNeverAppearsInLogsExceptionsOrToString(@TempDir Path directory) throws Exception {
    List<String> seen = new ArrayList<>();
    try (LogCapture logs = new LogCapture()) {
      int closedPort;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        closedPort = socket.getLocalPort();
      }
      try (BotApi refused = direct(URI.create("http://127.0.0.1:" + closedPort), Duration.ofSeconds(2));
          BotApi api = direct(fake.baseUrl(), Duration.ofMillis(300));
          BotApi wrongToken = throughEgress("api.telegram.test", "987654321:ZZHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0")) {
        seen.add(failure(refused::getMe));
        fake.failNext("getMe", 500, "Internal Server Error");
        seen.add(failure(api::getMe));
        fake.delay("sendChatAction", Duration.ofSeconds(2));
        seen.add(failure(() -> api.sendChatAction("1", "typing")));
        seen.add(failure(wrongToken::getMe));
        assertThat(seen.get(3)).doesNotContain("ZZHfiqksKZ8WmR2zSjiQ7");
        seen.add(api.toString() + api.token() + refused.token());
        // a poller that cannot reach Telegram logs its failure
        try (LongPoller poller = new LongPoller(refused, OffsetStore.inMemory(), update -> { },
            new LongPoller.Settings(Duration.ZERO, Duration.ofMillis(10), Duration.ofMillis(20),
                Duration.ofMillis(20)))) {
          poller.start();
          Thread.sleep(200);
        }
      } finally {
        fake.delay("sendChatAction", Duration.ZERO);
      }
      seen.add(logs.text());
      assertThat(logs.text()).contains("telegram.polling_failed");
    }
    Path tokenFile = Files.writeString(directory.resolve("token"), FakeBotApi.TOKEN + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    BotToken fromFile = BotToken.fromFile(tokenFile);
    assertThat(fromFile.botId()).isEqualTo(FakeBotApi.BOT_ID);
    seen.add(fromFile.toString());
    assertThat(seen).hasSizeGreaterThan(5).allSatisfy(text -> assertThat(text).doesNotContain(SECRET_HALF));
    assertThat(seen.get(0)).contains("could not be reached");
    assertThat(seen.get(2)).contains("no answer within");
  }

  @Test
  void aWebhookTakesOverFromPollingUntilDeleted() throws Exception {
    try (BotApi api = direct(fake.baseUrl(), Duration.ofSeconds(2))) {
      Secret secret = Secret.of("webhook-secret-1");
      api.setWebhook(URI.create("https://agent.example.com/telegram/webhook"), secret);
      assertThat(fake.webhook().get("secret_token").asText()).isEqualTo("webhook-secret-1");
      assertThat(catchThrowableOfType(BotApiException.class, () -> api.getUpdates(0, Duration.ZERO)).isConflict())
          .isTrue();
      api.deleteWebhook();
      assertThat(api.getUpdates(0, Duration.ZERO)).isEmpty();
      BotApiException plain = catchThrowableOfType(BotApiException.class,
          () -> api.setWebhook(URI.create("http://agent.example.com/hook"), secret));
      assertThat(plain.errorCode()).isEqualTo(400);
    }
  }

  @Test
  void aTokenIsCheckedForItsShapeWithoutBeingRepeated() {
    IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class,
        () -> BotToken.of("not a token at all, secret-value"));
    assertThat(e.getMessage()).doesNotContain("secret-value");
    assertThat(BotToken.of(FakeBotApi.TOKEN).redact("GET /bot" + FakeBotApi.TOKEN + "/getMe and " + SECRET_HALF))
        .isEqualTo("GET /bot<token>/getMe and <token>");
  }

  interface Call {
    void run() throws Exception;
  }

  /** The exception's message and string form, as a log line or an error page would show them. */
  static String failure(Call call) {
    try {
      call.run();
    } catch (Exception e) {
      return e.getMessage() + " | " + e;
    }
    throw new AssertionError("the call should have failed");
  }
}
