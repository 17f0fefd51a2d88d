package dev.clincher.gateway.channel.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.Secret;
import dev.clincher.common.http.BlockingExchange;
import dev.clincher.common.http.JsonErrors;
import java.io.IOException;
import java.util.Optional;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives updates Telegram POSTs to the bot's webhook (behind the reverse proxy). A request is accepted only with
 * the {@code secret_token} given to {@code setWebhook} in {@code X-Telegram-Bot-Api-Secret-Token}, compared in
 * constant time; its body is capped; an update id seen before is acknowledged and not handed on again. Every
 * refusal is logged once with its rule ({@code method}, {@code secret_token}, {@code body_size}, {@code malformed}).
 */
public final class WebhookHandler extends Handler.Abstract {
  public static final String SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";
  private static final Logger LOG = LoggerFactory.getLogger(WebhookHandler.class);
  private static final byte[] OK = "{\"ok\":true}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private final Secret secretToken;
  private final long maxBodyBytes;
  private final RecentUpdateIds seen;
  private final UpdateSink sink;
  private final ObjectMapper json;

  public WebhookHandler(Secret secretToken, long maxBodyBytes, RecentUpdateIds seen, UpdateSink sink,
      ObjectMapper json) {
    if (secretToken.isEmpty()) {
      throw new IllegalArgumentException("a webhook needs a secret token");
    }
    this.secretToken = secretToken;
    this.maxBodyBytes = maxBodyBytes;
    this.seen = seen;
    this.sink = sink;
    this.json = json;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws IOException {
    BlockingExchange exchange = new BlockingExchange(request, response, callback);
    if (!request.getMethod().equals("POST")) {
      return refuse(exchange, 405, "method", "the webhook accepts POST only");
    }
    if (!secretToken.matches(request.getHeaders().get(SECRET_HEADER))) {
      return refuse(exchange, 401, "secret_token", "missing or wrong " + SECRET_HEADER);
    }
    Optional<byte[]> body = exchange.readBody(maxBodyBytes);
    if (body.isEmpty()) {
      return refuse(exchange, 413, "body_size", "the update is larger than " + maxBodyBytes + " bytes");
    }
    Optional<Update> update = parse(body.get());
    if (update.isEmpty()) {
      return refuse(exchange, 400, "malformed", "the body is not a Telegram update");
    }
    if (seen.firstSeen(update.get().updateId())) {
      handOff(update.get());
    } else {
      LOG.atInfo().addKeyValue("update_id", update.get().updateId()).addKeyValue("rule", "duplicate_update")
          .log("telegram.webhook_duplicate");
    }
    exchange.sendJson(200, OK);
    return true;
  }

  /** As the poller does: a failing handler is logged and the update still acknowledged (never retried). */
  private void handOff(Update update) {
    try {
      sink.accept(update);
    } catch (RuntimeException e) {
      LOG.atError().addKeyValue("update_id", update.updateId()).addKeyValue("error", e.toString())
          .log("telegram.update_failed");
    }
  }

  private Optional<Update> parse(byte[] body) {
    try {
      JsonNode node = json.readTree(body);
      return node != null && node.isObject() ? Optional.of(Update.parse(node)) : Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static boolean refuse(BlockingExchange exchange, int status, String rule, String reason) {
    LOG.atWarn().addKeyValue("status", status).addKeyValue("rule", rule).addKeyValue("reason", reason)
        .log("telegram.webhook_refused");
    JsonErrors.send(exchange.response(), exchange.callback(), status, reason);
    return true;
  }
}
