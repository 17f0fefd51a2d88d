package dev.clincher.gateway.channel.telegram;

import dev.clincher.gateway.channel.ReplyStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one reply to one chat in the background: the first text is sent as a message, later texts edit it (and
 * send more messages once the text outgrows 4,096 characters), at most one Bot API call per
 * {@link ReplySettings#minInterval()}; texts that arrive meanwhile are coalesced into the newest. A 429 waits for
 * Telegram's {@code retry_after} and tries again, so the final text is always delivered; a text Telegram refuses as
 * HTML is sent again as plain text. While the run is in progress, {@code typing} is shown.
 */
public final class ReplyStreamer implements ReplyStream {
  private static final Logger LOG = LoggerFactory.getLogger(ReplyStreamer.class);
  static final String NO_ANSWER = "(no answer)";

  private final BotApi api;
  private final String chatId;
  private final ReplySettings settings;
  private final boolean showTyping;
  private final MessageSplitter splitter = new MessageSplitter(MessageSplitter.TELEGRAM_LIMIT);
  private final CountDownLatch delivered = new CountDownLatch(1);
  private final Object lock = new Object();
  private String wanted = ""; // guarded by lock
  private String shown = ""; // guarded by lock
  private boolean finished; // guarded by lock
  private final List<Long> messageIds = new ArrayList<>();
  private final List<String> shownParts = new ArrayList<>();
  private ParseMode mode = ParseMode.HTML;
  private Instant lastCall = Instant.EPOCH;
  private Instant lastTyping = Instant.EPOCH;
  private final Instant deadline;
  private int failures;

  /** What the delivery thread does next: show a text, or show {@code typing} again. */
  private record Work(String text, boolean last) {
    static final Work TYPING = new Work(null, false);
  }

  ReplyStreamer(BotApi api, String chatId, ReplySettings settings, boolean showTyping) {
    this.api = api;
    this.chatId = chatId;
    this.settings = settings;
    this.showTyping = showTyping;
    this.deadline = Instant.now().plus(settings.longestReply());
    Thread.ofVirtual().name("telegram-reply-" + chatId).start(this::deliverUntilFinished);
  }

  @Override
  public void progress(String textSoFar) {
    synchronized (lock) {
      if (!finished) {
        wanted = textSoFar;
        lock.notifyAll();
      }
    }
  }

  @Override
  public void finish(String finalText) {
    synchronized (lock) {
      if (!finished) {
        wanted = finalText.isBlank() ? NO_ANSWER : finalText;
        finished = true;
        lock.notifyAll();
      }
    }
  }

  /** Waits until the final text is delivered (or delivery gave up); true if it ended within {@code timeout}. */
  public boolean awaitDelivered(Duration timeout) throws InterruptedException {
    return delivered.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void deliverUntilFinished() {
    try {
      while (true) {
        Work work = nextWork();
        if (work == Work.TYPING) {
          showTyping();
        } else if (tryShow(work.text()) && work.last()) {
          api.metrics().reply(mode == ParseMode.HTML ? "delivered" : "delivered_as_plain_text");
          return;
        } else if (failures >= settings.maxFailures()) {
          LOG.atError().addKeyValue("chat", chatId).addKeyValue("failures", failures).log("telegram.reply_lost");
          api.metrics().reply("lost");
          return;
        }
      }
    } catch (InterruptedException e) {
      LOG.atWarn().addKeyValue("chat", chatId).log("telegram.reply_interrupted");
    } finally {
      delivered.countDown();
    }
  }

  private Work nextWork() throws InterruptedException {
    synchronized (lock) {
      while (true) {
        if (!finished && !Instant.now().isBefore(deadline)) {
          LOG.atWarn().addKeyValue("chat", chatId).addKeyValue("after_ms", settings.longestReply().toMillis())
              .log("telegram.reply_never_finished");
          finish(wanted);
        }
        if ((!wanted.isBlank() && !wanted.equals(shown)) || finished) {
          return new Work(wanted, finished);
        }
        long untilTyping = showTyping
            ? Duration.between(Instant.now(), lastTyping.plus(settings.typingInterval())).toMillis() : 60_000;
        if (untilTyping <= 0) {
          return Work.TYPING;
        }
        lock.wait(Math.max(1, Math.min(untilTyping, Duration.between(Instant.now(), deadline).toMillis())));
      }
    }
  }

  /** Shows {@code text}; false when a call failed (after the pause it asked for). */
  private boolean tryShow(String text) throws InterruptedException {
    try {
      show(text);
      synchronized (lock) {
        shown = text;
      }
      failures = 0;
      return true;
    } catch (BotApiException e) {
      if (e.isEntityParseError() && mode == ParseMode.HTML) {
        mode = ParseMode.PLAIN;
        LOG.atWarn().addKeyValue("chat", chatId).addKeyValue("rule", "entities_refused")
            .log("telegram.reply_sent_as_plain_text");
        return false;
      }
      if (e.errorCode() != 429) {
        failures++;
      }
      LOG.atWarn().addKeyValue("chat", chatId).addKeyValue("error_code", e.errorCode())
          .addKeyValue("error", e.getMessage()).log("telegram.reply_delayed");
      Thread.sleep(e.retryAfter().orElse(settings.retryPause()));
      return false;
    }
  }

  /** Sends or edits each part of {@code text} that is not yet shown as it should be. */
  private void show(String text) throws BotApiException, InterruptedException {
    List<String> parts = mode == ParseMode.HTML
        ? splitter.splitHtml(TelegramHtml.render(text)) : splitter.splitPlain(text);
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i);
      if (i < shownParts.size() && shownParts.get(i).equals(part)) {
        continue;
      }
      pace();
      if (i < messageIds.size()) {
        edit(messageIds.get(i), part);
        shownParts.set(i, part);
      } else {
        messageIds.add(api.sendMessage(chatId, part, mode));
        shownParts.add(part);
      }
    }
  }

  private void edit(long messageId, String part) throws BotApiException, InterruptedException {
    try {
      api.editMessageText(chatId, messageId, part, mode);
    } catch (BotApiException e) {
      if (!e.isNotModified()) {
        throw e;
      }
    }
  }

  private void showTyping() throws InterruptedException {
    lastTyping = Instant.now();
    try {
      pace();
      api.sendChatAction(chatId, "typing");
    } catch (BotApiException e) {
      LOG.atDebug().addKeyValue("chat", chatId).addKeyValue("error", e.getMessage()).log("telegram.typing_failed");
      if (e.retryAfter().isPresent()) {
        Thread.sleep(e.retryAfter().get());
      }
    }
  }

  /** Waits until {@link ReplySettings#minInterval()} has passed since the previous call of this reply. */
  private void pace() throws InterruptedException {
    Duration wait = Duration.between(Instant.now(), lastCall.plus(settings.minInterval()));
    if (wait.isPositive()) {
      Thread.sleep(wait);
    }
    lastCall = Instant.now();
  }
}
