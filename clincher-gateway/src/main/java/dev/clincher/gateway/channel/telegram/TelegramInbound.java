package dev.clincher.gateway.channel.telegram;

import dev.clincher.gateway.channel.ChannelCommand;
import dev.clincher.gateway.channel.ChatKind;
import dev.clincher.gateway.channel.Conversation;
import dev.clincher.gateway.channel.InboundFile;
import dev.clincher.gateway.channel.InboundHandler;
import dev.clincher.gateway.channel.InboundMessage;
import dev.clincher.gateway.channel.ReplyPort;
import dev.clincher.gateway.channel.access.AccessDecision;
import dev.clincher.gateway.channel.access.AccessPolicy;
import dev.clincher.gateway.channel.access.AccessRequest;
import dev.clincher.gateway.channel.access.PairedSenders;
import dev.clincher.gateway.channel.access.PairingCodes;
import dev.clincher.gateway.channel.access.UnknownSenderLimit;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a bot's updates into decisions: each message is put to the {@link AccessPolicy} and the decision logged once
 * with its rule; an accepted message goes to the {@link InboundHandler} (with its document or photo, fetched only
 * now and within the size cap), an unknown sender gets a pairing code and nothing else (while the unknown-sender
 * limit has room), everything else is dropped.
 */
public final class TelegramInbound implements UpdateSink {
  public static final String CHANNEL = "telegram";
  private static final Logger LOG = LoggerFactory.getLogger(TelegramInbound.class);

  /** The per-bot state access decisions read. */
  public record Access(AccessPolicy policy, PairedSenders paired, PairingCodes codes, UnknownSenderLimit limit) {}

  private final BotIdentity bot;
  private final Access access;
  private final InboundHandler handler;
  private final ReplyPort replies;
  private final TelegramMetrics metrics;
  private final TelegramFiles files;

  public TelegramInbound(BotIdentity bot, Access access, InboundHandler handler, ReplyPort replies,
      TelegramMetrics metrics, TelegramFiles files) {
    this.metrics = metrics;
    this.files = files;
    this.bot = bot;
    this.access = access;
    this.handler = handler;
    this.replies = replies;
  }

  @Override
  public void accept(Update update) {
    metrics.updateReceived();
    if (update.message().isEmpty()) {
      return; // not a new text message: acknowledged, nothing to do
    }
    Update.Message message = update.message().get();
    Conversation conversation = new Conversation(CHANNEL, message.chatId(),
        message.isPrivate() ? ChatKind.DIRECT : ChatKind.GROUP, message.senderId());
    AccessDecision decision = decide(conversation, message);
    log(update, conversation, decision);
    metrics.access(decision);
    switch (decision.verdict()) {
      case ACCEPT -> handAccepted(update, conversation, message);
      case OFFER_PAIRING -> offerPairing(conversation);
      case IGNORE -> { }
    }
  }

  /** An accepted message to the handler, with its file fetched first (a file only after access is decided). */
  private void handAccepted(Update update, Conversation conversation, Update.Message message) {
    String id = Long.toString(message.messageId());
    if (message.attachment().isEmpty()) {
      handler.handle(new InboundMessage(conversation, id, message.text(),
          ChannelCommand.parse(message.text(), bot.username())), replies);
      return;
    }
    try {
      InboundFile file = files.fetch(message.attachment().get());
      logFile(update, "accepted", "file_within_cap", file.content().length + " bytes");
      handler.handle(new InboundMessage(conversation, id, message.text(), Optional.empty(), Optional.of(file)),
          replies);
    } catch (FileRefusedException e) {
      logFile(update, "refused", e.rule(), e.getMessage());
      replies.send(conversation, "The file was not accepted: " + e.getMessage() + ".");
    } catch (BotApiException e) {
      logFile(update, "refused", "file_fetch_failed", e.getMessage());
      replies.send(conversation, "The file could not be fetched from Telegram; send it again later.");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void logFile(Update update, String decision, String rule, String reason) {
    (decision.equals("accepted") ? LOG.atInfo() : LOG.atWarn()).addKeyValue("update_id", update.updateId())
        .addKeyValue("decision", decision).addKeyValue("rule", rule).addKeyValue("reason", reason)
        .log("telegram.file");
  }

  /** Asks the policy; the unknown-sender limit is consulted (and spent) only when a pairing code would be sent. */
  private AccessDecision decide(Conversation conversation, Update.Message message) {
    AccessDecision decision = access.policy().decide(request(conversation, message, true));
    if (decision.verdict() == AccessDecision.Verdict.OFFER_PAIRING
        && !access.limit().tryAcquire(conversation.senderId())) {
      decision = access.policy().decide(request(conversation, message, false));
    }
    return decision;
  }

  private AccessRequest request(Conversation conversation, Update.Message message, boolean withinRate) {
    return new AccessRequest(conversation.kind(), conversation.chatId(), conversation.senderId(),
        message.addresses(bot), access.paired().contains(conversation.senderId()), withinRate);
  }

  private void offerPairing(Conversation conversation) {
    PairingCodes.Pending pending = access.codes().issue(conversation.senderId(), conversation.chatId());
    replies.send(conversation, "This bot is private. To be let in, give its owner this pairing code: "
        + pending.code());
  }

  private static void log(Update update, Conversation conversation, AccessDecision decision) {
    (decision.accepted() ? LOG.atInfo() : LOG.atWarn())
        .addKeyValue("update_id", update.updateId())
        .addKeyValue("chat", conversation.chatId())
        .addKeyValue("sender", conversation.senderId())
        .addKeyValue("kind", conversation.kind().name().toLowerCase(java.util.Locale.ROOT))
        .addKeyValue("decision", decision.verdict().name().toLowerCase(java.util.Locale.ROOT))
        .addKeyValue("rule", decision.rule())
        .addKeyValue("reason", decision.reason())
        .log("telegram.access");
  }
}
