package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.testing.LogCapture;
import dev.clincher.gateway.channel.ChatKind;
import dev.clincher.gateway.channel.InboundMessage;
import dev.clincher.gateway.channel.access.AccessPolicy;
import dev.clincher.gateway.channel.access.AccessSettings;
import dev.clincher.gateway.channel.access.DmPolicy;
import dev.clincher.gateway.channel.access.PairedSenders;
import dev.clincher.gateway.channel.access.PairingCodes;
import dev.clincher.gateway.channel.access.UnknownSenderLimit;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Updates polled from the fake, decided by the access rules, answered through the fake: the whole inbound path. */
@Timeout(60)
class TelegramInboundTest {
  static final String GROUP = "-500";
  static final long MAX_FILE_BYTES = 64 * 1024;

  FakeBotApi fake;
  BotApi api;
  LongPoller poller;
  final List<InboundMessage> handled = new CopyOnWriteArrayList<>();
  final Metrics metrics = Metrics.create("gateway");
  final PairedSenders paired = PairedSenders.inMemory();
  final PairingCodes codes = new PairingCodes(Duration.ofHours(1), 100, Clock.systemUTC());

  @BeforeEach
  void start() throws Exception {
    fake = new FakeBotApi();
    api = BotApiTest.direct(fake.baseUrl(), Duration.ofSeconds(5), metrics);
    BotIdentity bot = api.getMe();
    TelegramInbound.Access access = new TelegramInbound.Access(
        new AccessPolicy(new AccessSettings(DmPolicy.PAIRING, Set.of(), Set.of(GROUP))), paired, codes,
        new UnknownSenderLimit(2, 100, Duration.ofMinutes(10), 1000, Clock.systemUTC()));
    TelegramReplies replies = new TelegramReplies(api, new ReplySettings(Duration.ofMillis(10),
        Duration.ofSeconds(30), Duration.ofMillis(50), 5, Duration.ofMinutes(1)));
    poller = new LongPoller(api, OffsetStore.inMemory(), new TelegramInbound(bot, access, (message, port) -> handled.add(message), replies,
        api.metrics(), new TelegramFiles(api, MAX_FILE_BYTES)),
        LongPollerTest.FAST);
    poller.start();
  }

  @AfterEach
  void stop() {
    poller.close();
    api.close();
    fake.close();
  }

  @Test
  void anUnknownUserGetsOnlyAPairingCodeAndNoRunStarts() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      fake.userWrites("7", "hello, run `rm -rf /` for me");
      LongPollerTest.await(() -> fake.texts("7").size() == 1);
      fake.userWrites("7", "please?");
      fake.userWrites("7", "PLEASE");
      LongPollerTest.await(() -> logs.text().lines().filter(line -> line.contains("telegram.access")).count() == 3);
      Thread.sleep(200);
      List<String> texts = fake.texts("7");
      assertThat(texts).hasSize(2).allMatch(text -> text.contains("pairing code"));
      assertThat(texts.get(0)).isEqualTo(texts.get(1)); // one code per sender while it is pending
      assertThat(handled).isEmpty();
      assertThat(logs.text().lines().filter(line -> line.contains("telegram.access")).toList())
          .satisfiesExactly(
              line -> assertThat(line).contains("\"rule\":\"dm_pairing\""),
              line -> assertThat(line).contains("\"rule\":\"dm_pairing\""),
              line -> assertThat(line).contains("\"rule\":\"unknown_sender_rate_limited\""));
      assertThat(logs.text()).doesNotContain(FakeBotApi.TOKEN.substring(FakeBotApi.TOKEN.indexOf(':') + 1));
    }
    assertThat(metrics.scrape()).contains("clincher_gateway_telegram_updates_total{service=\"gateway\"} 3.0",
        "clincher_gateway_telegram_access_total{decision=\"offer_pairing\",rule=\"dm_pairing\","
            + "service=\"gateway\"} 2.0",
        "clincher_gateway_telegram_access_total{decision=\"ignore\",rule=\"unknown_sender_rate_limited\","
            + "service=\"gateway\"} 1.0",
        "clincher_gateway_telegram_replies_total{outcome=\"delivered\",service=\"gateway\"} 2.0");
  }

  @Test
  void afterTheOwnerApprovesTheCodeTheUserReachesTheAgent() throws Exception {
    fake.userWrites("7", "hello");
    LongPollerTest.await(() -> fake.texts("7").size() == 1);
    Matcher code = Pattern.compile("([A-Z2-9]{8})$").matcher(fake.texts("7").getFirst());
    assertThat(code.find()).isTrue();
    PairingCodes.Pending approved = codes.approve(code.group(1)).orElseThrow(); // clincher channels approve CODE
    paired.add(approved.senderId());

    fake.userWrites("7", "now answer me");
    LongPollerTest.await(() -> handled.size() == 1);
    InboundMessage message = handled.getFirst();
    assertThat(message.text()).isEqualTo("now answer me");
    assertThat(message.conversation().kind()).isEqualTo(ChatKind.DIRECT);
    assertThat(message.conversation().sessionKey()).isEqualTo("telegram:dm:7");
    assertThat(codes.approve(code.group(1))).as("one-time").isEmpty();
    assertThat(message.command()).isEmpty();

    fake.userWrites("7", "/status@" + FakeBotApi.BOT_USERNAME);
    LongPollerTest.await(() -> handled.size() == 2);
    assertThat(handled.get(1).command()).contains(dev.clincher.gateway.channel.ChannelCommand.STATUS);
  }

  @Test
  void inAGroupOnlyMessagesAddressingTheBotAreHandedOn() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      sendGroupMessages();
      LongPollerTest.await(() -> logs.text().lines().filter(line -> line.contains("telegram.access")).count() == 5);
      assertThat(logs.text()).contains("\"rule\":\"group_not_addressed\"", "\"rule\":\"group_not_enabled\"");
    }
    Thread.sleep(200);
    assertThat(handled).extracting(InboundMessage::text).containsExactly("@" + FakeBotApi.BOT_USERNAME
        + " what is 2+2?", "and you?");
    assertThat(handled).extracting(m -> m.conversation().sessionKey())
        .containsExactly("telegram:group:-500:user:8", "telegram:group:-500:user:9");
    assertThat(fake.texts(GROUP)).isEmpty();
    assertThat(fake.texts("-999")).isEmpty();
  }

  private void sendGroupMessages() {
    groupMessage(GROUP, "8", "just chatting", null, null);
    groupMessage(GROUP, "8", "@" + FakeBotApi.BOT_USERNAME + " what is 2+2?", "mention", null);
    groupMessage(GROUP, "9", "and you?", null, FakeBotApi.BOT_ID);
    groupMessage("-999", "8", "@" + FakeBotApi.BOT_USERNAME + " hello from elsewhere", "mention", null);
    groupMessage(GROUP, "8", "@someone_else hi", "mention", null);
  }

  private void groupMessage(String chat, String sender, String text, String entity, String repliedToSender) {
    ObjectNode update = fake.newUpdate();
    ObjectNode message = update.putObject("message").put("message_id", 1).put("date", 0).put("text", text);
    message.putObject("from").put("id", Long.parseLong(sender)).put("is_bot", false).put("first_name", "M");
    message.putObject("chat").put("id", Long.parseLong(chat)).put("type", "supergroup").put("title", "G");
    if (entity != null) {
      message.putArray("entities").addObject().put("type", entity).put("offset", 0).put("length",
          text.indexOf(' '));
    }
    if (repliedToSender != null) {
      message.putObject("reply_to_message").put("message_id", 0).putObject("from")
          .put("id", Long.parseLong(repliedToSender)).put("is_bot", true);
    }
    fake.queue(update);
  }

  // ---- documents and photos

  static byte[] bytes(int length) {
    byte[] content = new byte[length];
    java.util.Arrays.fill(content, (byte) 'x');
    return content;
  }

  String refusalAfter(FakeBotApi.StoredFile file, long declaredSize) throws Exception {
    paired.add("7");
    fake.userSendsDocument("7", "report.pdf", "", file, declaredSize);
    LongPollerTest.await(() -> fake.texts("7").size() == 1);
    assertThat(handled).as("no message reaches the agent").isEmpty();
    return fake.texts("7").getFirst();
  }

  @Test
  void aPairedUsersDocumentReachesTheHandlerWithItsCaptionAndUntrustedName() throws Exception {
    paired.add("7");
    byte[] content = "root:x:0:0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    fake.userSendsDocument("7", "../../etc/passwd", "have a look", new FakeBotApi.StoredFile("documents/file_1.txt",
        content, true, true), content.length);
    LongPollerTest.await(() -> handled.size() == 1);
    InboundMessage message = handled.getFirst();
    assertThat(message.text()).isEqualTo("have a look");
    assertThat(message.command()).isEmpty();
    assertThat(message.file()).get().satisfies(file -> {
      assertThat(file.name()).as("made safe where it is written (InboxFileNameTest)").isEqualTo("../../etc/passwd");
      assertThat(file.content()).isEqualTo(content);
    });
    assertThat(fake.downloads()).containsExactly("documents/file_1.txt");
  }

  @Test
  void aStrangersDocumentIsNeverFetched() throws Exception {
    fake.userSendsDocument("9", "x.pdf", "", new FakeBotApi.StoredFile("documents/file_2.pdf", bytes(10), true, true),
        10);
    LongPollerTest.await(() -> fake.texts("9").size() == 1);
    assertThat(fake.texts("9").getFirst()).contains("pairing code");
    assertThat(fake.calls("getFile")).isEmpty();
    assertThat(fake.downloads()).isEmpty();
  }

  @Test
  void aFileAnnouncedAboveTheCapIsRefusedBeforeGetFile() throws Exception {
    String refusal = refusalAfter(new FakeBotApi.StoredFile("documents/big.pdf", bytes(10), true, true),
        MAX_FILE_BYTES + 1);
    assertThat(refusal).startsWith("The file was not accepted: the file is larger than 65536 bytes");
    assertThat(fake.calls("getFile")).isEmpty();
  }

  @Test
  void aFileAboveTheCapByItsContentLengthIsRefusedUnread() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      String refusal = refusalAfter(new FakeBotApi.StoredFile("documents/big.pdf", bytes(4 * 1024 * 1024), true,
          false), -1);
      assertThat(refusal).contains("larger than 65536 bytes");
      assertThat(fake.downloads()).containsExactly("documents/big.pdf");
      assertThat(logs.text()).contains("telegram.file", "\"rule\":\"file_too_large\"")
          .doesNotContain(FakeBotApi.TOKEN);
    }
  }

  @Test
  void aStreamedFileIsCutOffOnceItPassesTheCap() throws Exception {
    int length = 24 * 1024 * 1024;
    String refusal = refusalAfter(new FakeBotApi.StoredFile("documents/stream.bin", bytes(length), false, false), -1);
    assertThat(refusal).contains("larger than 65536 bytes");
    LongPollerTest.await(() -> fake.bytesServed().size() == 1);
    assertThat(fake.bytesServed().getFirst()).as("the download was dropped, not read to its end")
        .isLessThan(length);
  }

  @Test
  void aFilePathWithDotDotFromTelegramIsNeverRequested() throws Exception {
    for (String hostile : List.of("../../../etc/passwd", "documents/../../x", "/etc/passwd", ".hidden/x",
        "documents/a%2F..%2Fb", "documents\\..\\x", "documents/x?y=1", "")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> api.download(hostile, MAX_FILE_BYTES))
          .as(hostile).isInstanceOf(FileRefusedException.class);
    }
    String refusal = refusalAfter(new FakeBotApi.StoredFile("documents/../../bot/secret", bytes(10), true, true), 10);
    assertThat(refusal).contains("not a plain relative path");
    assertThat(fake.downloads()).isEmpty();
  }
}
