package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.testing.LogCapture;
import dev.clincher.gateway.channel.ChatKind;
import dev.clincher.gateway.channel.Conversation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Replies against the fake: edited in place at a bounded rate, 429s honoured, HTML refusals re-sent as text. */
@Timeout(60)
class ReplyStreamerTest {
  static final Conversation CHAT = new Conversation("telegram", "42", ChatKind.DIRECT, "42");
  static final Duration DELIVERY = Duration.ofSeconds(20);

  FakeBotApi fake;
  BotApi api;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeBotApi();
    api = BotApiTest.direct(fake.baseUrl(), Duration.ofSeconds(5));
    api.getMe(); // first use of client and server is slow on a loaded machine; keep it out of the timings
  }

  @AfterEach
  void stop() {
    api.close();
    fake.close();
  }

  TelegramReplies replies(Duration minInterval, Duration typingInterval) {
    return new TelegramReplies(api, new ReplySettings(minInterval, typingInterval, Duration.ofMillis(50), 5,
        Duration.ofMinutes(1)));
  }

  List<FakeBotApi.Call> replyCalls() {
    return fake.calls().stream().filter(call -> !call.method().equals("getMe")).toList();
  }

  @Test
  void aStreamedAnswerEditsOneMessageAtABoundedRate() throws Exception {
    ReplyStreamer reply = replies(Duration.ofMillis(200), Duration.ofSeconds(30)).open(CHAT);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      text.append("word").append(i).append(' ');
      reply.progress(text.toString());
      Thread.sleep(20);
    }
    reply.finish(text + "**done**");
    assertThat(reply.awaitDelivered(DELIVERY)).isTrue();

    List<FakeBotApi.ChatMessage> messages = fake.messages("42");
    assertThat(messages).hasSize(1);
    assertThat(messages.getFirst().text()).isEqualTo(text + "<b>done</b>");
    assertThat(messages.getFirst().versions()).hasSizeBetween(2, 10);
    List<FakeBotApi.Call> calls = replyCalls();
    for (int i = 1; i < calls.size(); i++) {
      assertThat(Duration.between(calls.get(i - 1).at(), calls.get(i).at())).isGreaterThan(Duration.ofMillis(180));
    }
  }

  @Test
  void aFloodOf429sDelaysButNeverLosesTheFinalText() throws Exception {
    ReplyStreamer reply = replies(Duration.ofMillis(10), Duration.ofSeconds(30)).open(CHAT);
    reply.progress("thinking");
    LongPollerTest.await(() -> fake.texts("42").equals(List.of("thinking")));
    for (int i = 0; i < 3; i++) {
      fake.failNext("editMessageText", 429, "Too Many Requests: retry after 1");
    }
    Instant finished = Instant.now();
    reply.finish("the final answer");
    assertThat(reply.awaitDelivered(DELIVERY)).isTrue();
    assertThat(Duration.between(finished, Instant.now())).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
    assertThat(fake.texts("42")).containsExactly("the final answer");
    assertThat(fake.calls("editMessageText")).hasSize(4);
  }

  @Test
  void aReplyTelegramCannotParseIsSentAgainAsPlainText() throws Exception {
    fake.refuseAllHtml(true);
    try (LogCapture logs = new LogCapture()) {
      ReplyStreamer reply = replies(Duration.ofMillis(10), Duration.ofSeconds(30)).open(CHAT);
      reply.finish("**bold** & <tag>");
      assertThat(reply.awaitDelivered(DELIVERY)).isTrue();
      assertThat(logs.text()).contains("telegram.reply_sent_as_plain_text", "entities_refused");
    }
    assertThat(fake.texts("42")).containsExactly("**bold** & <tag>");
    assertThat(fake.calls("sendMessage").getLast().params().has("parse_mode")).isFalse();
  }

  @Test
  void aLongAnswerIsSplitIntoWellFormedMessagesOfAtMost4096Characters() throws Exception {
    String paragraph = "**Bold start** then text with a [link](https://example.com) and `code` & more. ";
    String answer = paragraph.repeat(60) + "\n\n" + paragraph.repeat(60) + "\n\n```\n" + "x < y\n".repeat(300)
        + "```\nend 😀";
    ReplyStreamer reply = replies(Duration.ofMillis(10), Duration.ofSeconds(30)).open(CHAT);
    reply.finish(answer);
    assertThat(reply.awaitDelivered(DELIVERY)).isTrue();
    List<String> texts = fake.texts("42");
    assertThat(texts).hasSizeGreaterThanOrEqualTo(3); // the fake refuses parts over 4,096 or with broken HTML
    String shown = String.join("", texts.stream().map(FakeBotApi::visibleText).toList());
    assertThat(shown.replaceAll("\\s", "")).isEqualTo(FakeBotApi.visibleText(TelegramHtml.render(answer))
        .replaceAll("\\s", ""));
  }

  @Test
  void injectedHtmlAndScriptLinksArriveAsText() throws Exception {
    ReplyStreamer reply = replies(Duration.ofMillis(10), Duration.ofSeconds(30)).open(CHAT);
    reply.finish("<script>alert(1)</script> [win](javascript:alert(1)) <a href=\"https://evil.test\">x</a>");
    assertThat(reply.awaitDelivered(DELIVERY)).isTrue();
    String sent = fake.texts("42").getFirst();
    assertThat(sent).doesNotContain("<script", "<a", "javascript").contains("&lt;script&gt;", "win");
  }

  @Test
  void typingIsShownWhileTheRunIsInProgressAndStopsAfter() throws Exception {
    ReplyStreamer reply = replies(Duration.ofMillis(10), Duration.ofMillis(150)).open(CHAT);
    LongPollerTest.await(() -> fake.calls("sendChatAction").size() >= 3);
    assertThat(fake.calls("sendChatAction").getFirst().params().get("action").asText()).isEqualTo("typing");
    reply.finish("done");
    assertThat(reply.awaitDelivered(DELIVERY)).isTrue();
    int typing = fake.calls("sendChatAction").size();
    Thread.sleep(400);
    assertThat(fake.calls("sendChatAction")).hasSize(typing);
    assertThat(fake.texts("42")).containsExactly("done");
  }

  @Test
  void aReplyItsRunNeverFinishesEndsWithItsLastTextAfterTheLongestReply() throws Exception {
    ReplyStreamer reply = new ReplyStreamer(api, "42", new ReplySettings(Duration.ofMillis(10),
        Duration.ofMillis(100), Duration.ofMillis(50), 5, Duration.ofMillis(600)), true);
    reply.progress("partial answer");
    assertThat(reply.awaitDelivered(DELIVERY)).isTrue();
    int typing = fake.calls("sendChatAction").size();
    Thread.sleep(300);
    assertThat(fake.calls("sendChatAction")).hasSize(typing);
    assertThat(fake.texts("42")).containsExactly("partial answer");
  }

  @Test
  void aNoticeIsSentWithoutTyping() throws Exception {
    replies(Duration.ofMillis(10), Duration.ofMillis(10)).send(CHAT, "hello");
    LongPollerTest.await(() -> fake.texts("42").equals(List.of("hello")));
    assertThat(fake.calls("sendChatAction")).isEmpty();
  }
}
