package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.Secret;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.gateway.channel.InboundMessage;
import dev.clincher.gateway.channel.ReplyStream;
import dev.clincher.gateway.channel.access.AccessSettings;
import dev.clincher.gateway.channel.access.PairedSenders;
import dev.clincher.gateway.channel.access.PendingCodeStore;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The assembled bot against the fake, as the gateway will run it. */
@Timeout(60)
class TelegramChannelTest {
  FakeBotApi fake;
  final List<InboundMessage> handled = new CopyOnWriteArrayList<>();
  final PairedSenders paired = PairedSenders.inMemory();

  @BeforeEach
  void start() throws Exception {
    fake = new FakeBotApi();
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  TelegramChannel.Settings settings(Optional<TelegramChannel.Webhook> webhook) {
    return new TelegramChannel.Settings(new BotApiSettings(fake.baseUrl(), Optional.empty(), Duration.ofSeconds(2),
        Duration.ofSeconds(5)), webhook, AccessSettings.defaults(), new ReplySettings(Duration.ofMillis(10),
        Duration.ofSeconds(30), Duration.ofMillis(50), 5, Duration.ofMinutes(1)), LongPollerTest.FAST,
        TelegramConfig.TELEGRAM_FILE_LIMIT);
  }

  TelegramChannel start(Optional<TelegramChannel.Webhook> webhook) throws Exception {
    return TelegramChannel.start(settings(webhook), BotToken.of(FakeBotApi.TOKEN), (message, port) -> handled.add(message),
        OffsetStore.inMemory(), paired, PendingCodeStore.inMemory(), new TelegramMetrics(Metrics.create("gateway")), FakeBotApi.JSON);
  }

  @Test
  void aStrangerPairsAndThenTalksToTheAgentWhoseAnswerStreamsBack() throws Exception {
    ObjectNode staleWebhook = FakeBotApi.JSON.createObjectNode().put("url", "https://old.example.com/hook");
    fake.presetWebhook(staleWebhook);
    try (TelegramChannel channel = start(Optional.empty())) {
      assertThat(channel.bot().username()).isEqualTo(FakeBotApi.BOT_USERNAME);
      assertThat(fake.webhook()).as("polling deletes a webhook left set").isNull();

      fake.userWrites("7", "hello");
      LongPollerTest.await(() -> fake.texts("7").size() == 1);
      Matcher code = Pattern.compile("([A-Z2-9]{8})$").matcher(fake.texts("7").getFirst());
      assertThat(code.find()).isTrue();
      assertThat(channel.approve("WRONGCOD")).isEmpty();
      assertThat(channel.approve(code.group(1))).contains("7");
      assertThat(handled).isEmpty();

      fake.userWrites("7", "what is in my workspace?");
      LongPollerTest.await(() -> handled.size() == 1);
      ReplyStream reply = channel.replies().open(handled.getFirst().conversation());
      reply.progress("Let me look");
      reply.finish("Let me look: **two files**.");
      LongPollerTest.await(() -> fake.texts("7").size() == 2
          && fake.texts("7").get(1).equals("Let me look: <b>two files</b>."));
    }
  }

  @Test
  void webhookModeSetsTheWebhookWithItsSecretAndDoesNotPoll() throws Exception {
    TelegramChannel.Webhook webhook = new TelegramChannel.Webhook(
        URI.create("https://agent.example.com/telegram/webhook"), Secret.of("hook-secret"), 1 << 20);
    try (TelegramChannel channel = start(Optional.of(webhook))) {
      assertThat(channel.webhookHandler()).isPresent();
      assertThat(fake.webhook().get("url").asText()).isEqualTo("https://agent.example.com/telegram/webhook");
      assertThat(fake.webhook().get("secret_token").asText()).isEqualTo("hook-secret");
      Thread.sleep(200);
      assertThat(fake.calls("getUpdates")).isEmpty();
    }
  }

  @Test
  void aRefusedTokenFailsTheStartWithoutNamingIt() {
    String other = "987654321:ZZHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";
    BotApiException e = org.assertj.core.api.Assertions.catchThrowableOfType(BotApiException.class,
        () -> TelegramChannel.start(settings(Optional.empty()), BotToken.of(other), (message, port) -> handled.add(message),
            OffsetStore.inMemory(), paired, PendingCodeStore.inMemory(), new TelegramMetrics(Metrics.create("gateway")), FakeBotApi.JSON));
    assertThat(e.errorCode()).isEqualTo(401);
    assertThat(e.getMessage()).doesNotContain("ZZHfiqksKZ8WmR2zSjiQ7");
  }
}
