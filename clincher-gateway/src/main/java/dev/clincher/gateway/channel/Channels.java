package dev.clincher.gateway.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import dev.clincher.common.config.Secrets;
import dev.clincher.common.health.CheckResult;
import dev.clincher.common.health.Health;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.gateway.channel.telegram.BotApiException;
import dev.clincher.gateway.channel.telegram.BotApiSettings;
import dev.clincher.gateway.channel.telegram.BotToken;
import dev.clincher.gateway.channel.telegram.LongPoller;
import dev.clincher.gateway.channel.telegram.ReplySettings;
import dev.clincher.gateway.channel.telegram.StoredOffsets;
import dev.clincher.gateway.channel.telegram.TelegramChannel;
import dev.clincher.gateway.channel.telegram.TelegramConfig;
import dev.clincher.gateway.channel.telegram.TelegramInbound;
import dev.clincher.gateway.channel.telegram.TelegramMetrics;
import dev.clincher.gateway.session.SessionService;
import dev.clincher.gateway.store.ChannelStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's channels, started from its config: today the Telegram bot when {@code channels.telegram.enabled}.
 * Messages go to the sessions through {@link ChannelRuns}; pairings and the poll offset are kept in the
 * {@link ChannelStore}. A token Telegram refuses fails the start. A bot Telegram cannot be asked about at start
 * (unreachable) leaves the gateway running without it and is started again in the background, with a pause that
 * doubles from {@link #FIRST_RETRY} up to {@link #MAX_RETRY}; meanwhile {@link #status} and {@link #readiness} say
 * why.
 */
public final class Channels implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.channels");
  static final String KEY = "channels.telegram";
  /** The largest webhook update accepted (Telegram's text updates are a few KiB). */
  static final long MAX_WEBHOOK_BYTES = 1024 * 1024;
  /** The pause before the first background start after Telegram could not be reached; it doubles up to the max. */
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);
  static final Duration MAX_RETRY = Duration.ofMinutes(5);

  /** Starts the bot once: asks Telegram who it is, then polls or sets the webhook. */
  @FunctionalInterface
  private interface Starter {
    TelegramChannel start() throws BotApiException, InterruptedException;
  }

  private final TelegramConfig config;
  private final ChannelStore store;
  private volatile Optional<TelegramChannel> telegram = Optional.empty();
  private volatile String problem;
  private Thread retrying; // guarded by this
  private boolean closed; // guarded by this

  private Channels(TelegramConfig config, ChannelStore store, String problem) {
    this.config = config;
    this.store = store;
    this.problem = problem;
  }

  /**
   * The gateway's egress settings, read as {@code web_fetch} reads them.
   *
   * @param proxy {@code egress.proxy}, else {@code HTTPS_PROXY} is used; may be null or blank
   * @param allowDirect {@code egress.allow_direct}: whether calls may go out directly when no proxy is set
   */
  public record Egress(String proxy, boolean allowDirect) {}

  /** Starts the enabled channels; reads their secrets now (a missing or open file fails the start, naming the key). */
  public static Channels start(String source, ChannelsConfig channels, Egress egress, SessionService sessions,
      ChannelStore store, Metrics metrics, ObjectMapper json, Map<String, String> env) throws ConfigException {
    TelegramConfig config = channels.telegram();
    if (!config.enabled()) {
      return new Channels(config, store, "not enabled");
    }
    if (!sessions.agents().contains(config.agent())) {
      throw new ConfigException(source, KEY + ".agent", "no agent named '" + config.agent() + "'");
    }
    BotToken token = BotToken.fromFile(Path.of(config.tokenFile()));
    TelegramChannel.Settings settings = new TelegramChannel.Settings(api(source, egress, config, env),
        webhook(config), config.access(), ReplySettings.defaults(), polling(config), config.maxFileBytes());
    Channels started = new Channels(config, store, "starting");
    started.firstStart(source, () -> TelegramChannel.start(settings, token,
        new ChannelRuns(sessions, store, config.agent()), StoredOffsets.of(store, token),
        new StoredPairedSenders(store, TelegramInbound.CHANNEL), new StoredPendingCodes(store, TelegramInbound.CHANNEL),
        new TelegramMetrics(metrics), json));
    return started;
  }

  private void firstStart(String source, Starter starter) throws ConfigException {
    try {
      running(starter.start());
    } catch (BotApiException e) {
      if (refusesToken(e)) {
        throw new ConfigException(source, KEY + ".token_file", "Telegram refused the bot's token (" + e.errorCode()
            + ")");
      }
      LOG.atError().addKeyValue("code", e.errorCode()).addKeyValue("message", e.getMessage())
          .addKeyValue("retry_in_ms", FIRST_RETRY.toMillis()).log("telegram.start_failed");
      problem = "Telegram could not be reached at start: " + e.getMessage() + "; retrying in the background";
      retryInBackground(starter);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problem = "interrupted at start";
    }
  }

  private static boolean refusesToken(BotApiException e) {
    return e.errorCode() == 401 || e.errorCode() == 404;
  }

  private synchronized void running(TelegramChannel channel) {
    if (closed) {
      channel.close(); // started by the retry while the gateway stopped
      return;
    }
    telegram = Optional.of(channel);
    problem = "";
  }

  private synchronized void retryInBackground(Starter starter) {
    retrying = Thread.ofVirtual().name("telegram-start-retry").start(() -> retryUntilStarted(starter));
  }

  /** Starts the bot again after a doubling pause until it runs, Telegram refuses the token, or the gateway stops. */
  private void retryUntilStarted(Starter starter) {
    Duration delay = FIRST_RETRY;
    String reported = "";
    while (true) {
      try {
        Thread.sleep(delay);
        running(starter.start());
        LOG.atInfo().addKeyValue("after", reported).log("telegram.start_retry_succeeded");
        return;
      } catch (BotApiException e) {
        if (refusesToken(e)) {
          problem = "Telegram refused the bot's token (" + e.errorCode() + "): check " + KEY + ".token_file";
          LOG.atError().addKeyValue("code", e.errorCode()).addKeyValue("rule", "token_refused")
              .log("telegram.start_retry_stopped");
          return;
        }
        delay = delay.multipliedBy(2).compareTo(MAX_RETRY) < 0 ? delay.multipliedBy(2) : MAX_RETRY;
        problem = "Telegram could not be reached: " + e.getMessage() + "; next try in " + delay.toSeconds() + " s";
        if (!e.getMessage().equals(reported)) {
          reported = e.getMessage();
          LOG.atWarn().addKeyValue("code", e.errorCode()).addKeyValue("message", reported)
              .addKeyValue("retry_in_ms", delay.toMillis()).log("telegram.start_retry_failed");
        }
      } catch (InterruptedException e) {
        return; // the gateway stops
      }
    }
  }

  /** The Bot API through the egress proxy, found as {@code web_fetch} finds it; direct only if allowed. */
  private static BotApiSettings api(String source, Egress gateway, TelegramConfig config,
      Map<String, String> env) throws ConfigException {
    String proxy = gateway.proxy();
    if (proxy == null || proxy.isBlank()) {
      proxy = env.getOrDefault("HTTPS_PROXY", env.getOrDefault("https_proxy", ""));
    }
    Optional<InetSocketAddress> egress = Optional.empty();
    if (!proxy.isBlank()) {
      URI uri = URI.create(proxy);
      if (uri.getHost() == null || uri.getPort() < 0) {
        throw new ConfigException(source, "egress.proxy", "the egress proxy must be http://HOST:PORT");
      }
      egress = Optional.of(new InetSocketAddress(uri.getHost(), uri.getPort()));
    } else if (!gateway.allowDirect()) {
      throw new ConfigException(source, KEY, "Telegram is reached only through the egress proxy: set egress.proxy "
          + "or HTTPS_PROXY (or egress.allow_direct: true where no egress exists)");
    }
    return new BotApiSettings(URI.create(config.apiUrl()), egress, Duration.ofSeconds(10), Duration.ofSeconds(30));
  }

  private static LongPoller.Settings polling(TelegramConfig config) {
    LongPoller.Settings defaults = LongPoller.Settings.defaults();
    return new LongPoller.Settings(config.longPoll(), defaults.firstBackoff(), defaults.maxBackoff(),
        defaults.conflictBackoff());
  }

  private static Optional<TelegramChannel.Webhook> webhook(TelegramConfig config) throws ConfigException {
    if (config.webhook().isEmpty()) {
      return Optional.empty();
    }
    Secret secret = Secret.of(Secrets.readSecretFile(Path.of(config.webhookSecretFile())));
    return Optional.of(new TelegramChannel.Webhook(config.webhook().get(), secret, MAX_WEBHOOK_BYTES));
  }

  /**
   * Puts the webhook in front of {@code next}: a request for exactly the webhook's path goes to the bot (which checks
   * Telegram's secret header; it carries no gateway token), every other request goes on to {@code next} and its auth.
   */
  public Handler webhookRoute(Handler next) {
    if (!config.enabled() || config.webhook().isEmpty()) {
      return next;
    }
    return new Handler.Wrapper(next) {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!Request.getPathInContext(request).equals(config.webhookPath())) {
          return super.handle(request, response, callback);
        }
        Optional<Handler> webhook = telegram.flatMap(TelegramChannel::webhookHandler);
        if (webhook.isEmpty()) {
          Response.writeError(request, response, callback, 503, "the Telegram channel is not running");
          return true;
        }
        return webhook.get().handle(request, response, callback);
      }
    };
  }

  /**
   * Approves a pairing code of the Telegram bot ({@code clincher channels approve CODE}).
   *
   * @return the paired sender's user id; empty when the code is unknown, used or expired, or no bot runs
   */
  public Optional<String> approve(String code) {
    return telegram.flatMap(channel -> channel.approve(code));
  }

  /**
   * Revokes a paired sender ({@code clincher channels revoke USER_ID}): their next message gets a pairing code again.
   * Works whether or not the bot runs (the pairing is in the store). A sender on {@code allow_from} stays answered:
   * that list is config.
   *
   * @return false when the sender was not paired
   */
  public boolean revoke(String senderId) {
    boolean revoked = store.unpair(TelegramInbound.CHANNEL, senderId);
    LOG.atInfo().addKeyValue("channel", TelegramInbound.CHANNEL).addKeyValue("sender", senderId)
        .addKeyValue("revoked", revoked).addKeyValue("rule", revoked ? "revoked_by_operator" : "sender_not_paired")
        .log("telegram.pairing");
    return revoked;
  }

  /** The paired senders with their approval times and how many pairing codes wait, for {@code clincher channels list}. */
  public ObjectNode senders(ObjectMapper json) {
    ObjectNode body = json.createObjectNode().put("channel", TelegramInbound.CHANNEL);
    ArrayNode paired = body.putArray("paired_senders");
    for (ChannelStore.PairedSender sender : store.pairings(TelegramInbound.CHANNEL)) {
      paired.addObject().put("user_id", sender.senderId()).put("approved_at", sender.approvedAt().toString());
    }
    ArrayNode allowed = body.putArray("allow_from");
    config.access().allowedSenders().stream().sorted().forEach(allowed::add);
    body.put("pending_codes", telegram.map(TelegramChannel::pendingCodes).orElse(0));
    return body;
  }

  /** Adds the channel's check ({@code telegram}) to readiness when it is enabled; see {@link #readiness()}. */
  public void addReadinessCheck(Health health) {
    if (config.enabled()) {
      health.addReadinessCheck("telegram", this::readiness);
    }
  }

  /**
   * The bot's part of {@code /health/readiness}: never fatal (the web chat and the API work without it), degraded
   * while the bot does not receive updates (not started yet, a 409 conflict, Telegram unreachable, the token refused).
   */
  public CheckResult readiness() {
    Optional<TelegramChannel> channel = telegram;
    if (channel.isEmpty()) {
      return CheckResult.degraded(problem);
    }
    return channel.get().receivingProblem().map(CheckResult::degraded)
        .orElseGet(() -> CheckResult.up(config.mode() + " as @" + channel.get().bot().username()));
  }

  /** What runs, for {@code GET /v1/channels/telegram/status}. */
  public ObjectNode status(ObjectMapper json) {
    ObjectNode body = json.createObjectNode().put("channel", TelegramInbound.CHANNEL)
        .put("enabled", config.enabled()).put("running", telegram.isPresent());
    if (!config.enabled()) {
      return body;
    }
    body.put("mode", config.mode()).put("agent", config.agent()).put("dm_policy", config.dmPolicy());
    Optional<TelegramChannel> channel = telegram;
    channel.ifPresent(running -> body.put("bot", running.bot().username()));
    Optional<String> now = channel.isEmpty() ? Optional.of(problem) : channel.get().receivingProblem();
    now.ifPresent(text -> body.put("problem", text));
    ArrayNode paired = body.putArray("paired_senders");
    store.pairedSenders(TelegramInbound.CHANNEL).forEach(paired::add);
    return body;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (retrying != null) {
        retrying.interrupt();
      }
    }
    telegram.ifPresent(TelegramChannel::close);
  }
}
