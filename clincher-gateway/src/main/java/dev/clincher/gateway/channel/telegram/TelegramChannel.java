package dev.clincher.gateway.channel.telegram;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.Secret;
import dev.clincher.gateway.channel.InboundHandler;
import dev.clincher.gateway.channel.ReplyPort;
import dev.clincher.gateway.channel.access.AccessPolicy;
import dev.clincher.gateway.channel.access.AccessSettings;
import dev.clincher.gateway.channel.access.PairedSenders;
import dev.clincher.gateway.channel.access.PairingCodes;
import dev.clincher.gateway.channel.access.PendingCodeStore;
import dev.clincher.gateway.channel.access.UnknownSenderLimit;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.server.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bot, assembled and started: the Bot API client, who the bot is ({@code getMe}), the replies, the access rules,
 * and the updates by long polling (the webhook deleted first) or by webhook ({@code setWebhook} with a secret token;
 * the gateway mounts {@link #webhookHandler()} behind the reverse proxy). The gateway gives it a handler for accepted
 * messages and the stores it keeps; it answers through {@link #replies()} and approves pairings with
 * {@link #approve(String)}.
 */
public final class TelegramChannel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TelegramChannel.class);
  /** A pairing code is valid this long; at most {@link #MAX_PENDING_CODES} wait at once. */
  static final Duration PAIRING_CODE_LIFETIME = Duration.ofHours(1);
  static final int MAX_PENDING_CODES = 1000;
  /** An unknown sender gets at most 3 answers per 10 minutes, all unknown senders together 30. */
  static final Duration UNKNOWN_SENDER_WINDOW = Duration.ofMinutes(10);
  /** Update ids remembered by the webhook against repeated deliveries. */
  static final int REMEMBERED_UPDATE_IDS = 10_000;

  /**
   * How one bot runs.
   *
   * @param api where the Bot API is and the egress proxy to reach it through
   * @param webhook the webhook to receive updates at; empty: long polling
   * @param access who may talk to the agent
   * @param replies how replies are delivered
   * @param polling the long-polling pauses
   * @param maxFileBytes the largest document or photo a user may send
   */
  public record Settings(BotApiSettings api, Optional<Webhook> webhook, AccessSettings access, ReplySettings replies,
      LongPoller.Settings polling, long maxFileBytes) {}

  /**
   * A webhook.
   *
   * @param publicUrl the https URL Telegram POSTs to (the reverse proxy's, routed to {@link #webhookHandler()})
   * @param secretToken what Telegram sends in {@link WebhookHandler#SECRET_HEADER}
   * @param maxBodyBytes the largest update accepted
   */
  public record Webhook(URI publicUrl, Secret secretToken, long maxBodyBytes) {}

  private final BotApi api;
  private final BotIdentity bot;
  private final TelegramReplies replies;
  private final PairingCodes codes;
  private final PairedSenders paired;
  private final Optional<LongPoller> poller;
  private final Optional<WebhookHandler> webhookHandler;

  private TelegramChannel(BotApi api, BotIdentity bot, TelegramReplies replies, PairingCodes codes,
      PairedSenders paired, Optional<LongPoller> poller, Optional<WebhookHandler> webhookHandler) {
    this.api = api;
    this.bot = bot;
    this.replies = replies;
    this.codes = codes;
    this.paired = paired;
    this.poller = poller;
    this.webhookHandler = webhookHandler;
  }

  /**
   * Starts the bot: asks Telegram who it is, then polls or sets the webhook.
   *
   * @throws BotApiException when Telegram refuses the token or cannot be reached (the message never holds it)
   */
  public static TelegramChannel start(Settings settings, BotToken token, InboundHandler handler, OffsetStore offsets,
      PairedSenders paired, PendingCodeStore pendingCodes, TelegramMetrics metrics, ObjectMapper json)
      throws BotApiException, InterruptedException {
    BotApi api = new BotApi(settings.api(), token, json, metrics);
    try {
      BotIdentity bot = api.getMe();
      TelegramReplies replies = new TelegramReplies(api, settings.replies());
      PairingCodes codes = new PairingCodes(PAIRING_CODE_LIFETIME, MAX_PENDING_CODES, Clock.systemUTC(),
          pendingCodes);
      TelegramInbound inbound = new TelegramInbound(bot, new TelegramInbound.Access(
          new AccessPolicy(settings.access()), paired, codes,
          new UnknownSenderLimit(3, 30, UNKNOWN_SENDER_WINDOW, MAX_PENDING_CODES, Clock.systemUTC())),
          handler, replies, metrics, new TelegramFiles(api, settings.maxFileBytes()));
      Optional<LongPoller> poller = Optional.empty();
      Optional<WebhookHandler> webhookHandler = Optional.empty();
      if (settings.webhook().isPresent()) {
        Webhook webhook = settings.webhook().get();
        webhookHandler = Optional.of(new WebhookHandler(webhook.secretToken(), webhook.maxBodyBytes(),
            new RecentUpdateIds(REMEMBERED_UPDATE_IDS), inbound, json));
        api.setWebhook(webhook.publicUrl(), webhook.secretToken());
      } else {
        api.deleteWebhook();
        poller = Optional.of(new LongPoller(api, offsets, inbound, settings.polling()));
        poller.get().start();
      }
      LOG.atInfo().addKeyValue("bot", token.botId()).addKeyValue("username", bot.username())
          .addKeyValue("mode", webhookHandler.isPresent() ? "webhook" : "polling").log("telegram.started");
      return new TelegramChannel(api, bot, replies, codes, paired, poller, webhookHandler);
    } catch (BotApiException | InterruptedException | RuntimeException e) {
      api.close();
      throw e;
    }
  }

  /** Who the bot is. */
  public BotIdentity bot() {
    return bot;
  }

  /** Where the run's answers go. */
  public ReplyPort replies() {
    return replies;
  }

  /** The handler to mount at the webhook's path, in webhook mode. */
  public Optional<Handler> webhookHandler() {
    return webhookHandler.map(Handler.class::cast);
  }

  /**
   * Approves a pairing code ({@code clincher channels approve CODE}): its sender may talk to the agent from now on.
   *
   * @return the sender's user id, or empty when the code is unknown, used or expired
   */
  public Optional<String> approve(String code) {
    Optional<PairingCodes.Pending> pending = codes.approve(code);
    pending.ifPresent(approved -> paired.add(approved.senderId()));
    LOG.atInfo().addKeyValue("bot", bot.userId()).addKeyValue("approved", pending.isPresent())
        .addKeyValue("sender", pending.map(PairingCodes.Pending::senderId).orElse(""))
        .addKeyValue("rule", pending.isPresent() ? "pairing_code_valid" : "pairing_code_unknown")
        .log("telegram.pairing");
    return pending.map(PairingCodes.Pending::senderId);
  }

  /** What keeps the bot from receiving updates now (polling: a 409 conflict, unreachable, token refused); empty: fine. */
  public Optional<String> receivingProblem() {
    return poller.flatMap(LongPoller::problem);
  }

  /** How many pairing codes wait for the owner's approval (expired ones not counted). */
  public int pendingCodes() {
    return codes.pending();
  }

  /** Stops polling and closes the client; a webhook stays set at Telegram (updates wait there for the restart). */
  @Override
  public void close() {
    poller.ifPresent(LongPoller::close);
    api.close();
  }
}
