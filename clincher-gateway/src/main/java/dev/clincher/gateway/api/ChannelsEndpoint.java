package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.gateway.channel.Channels;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The operator's channel routes, behind {@link ApiAccess} like the rest ({@code clincher channels} calls them):
 *
 * <pre>
 *   GET  /v1/channels/telegram/status     whether the bot runs, its mode, agent, access rule and paired senders
 *   POST /v1/channels/telegram/approve    {"code":…}: the sender who got that pairing code may talk to the agent
 *   GET  /v1/channels/telegram/senders    the paired senders (with approval times), allow_from, pending codes
 *   POST /v1/channels/telegram/revoke     {"user_id":…}: that sender's next message gets a pairing code again
 * </pre>
 */
public final class ChannelsEndpoint {
  static final String PREFIX = "/v1/channels/";
  /** A Telegram user id: digits (a user id is positive; at most 52 bits). */
  private static final Pattern USER_ID = Pattern.compile("[0-9]{1,20}");
  private static final Pattern CODE = Pattern.compile("[A-Za-z0-9]{4,32}");

  private final Channels channels;
  private final ObjectMapper json;

  public ChannelsEndpoint(Channels channels, ObjectMapper json) {
    this.channels = channels;
    this.json = json;
  }

  void handle(ApiExchange exchange, String method, String path) throws Exception {
    switch (path.substring(PREFIX.length())) {
      case "telegram/status" -> GatewayHandler.requireMethod(exchange, method, "GET",
          () -> exchange.sendJson(200, channels.status(json)));
      case "telegram/approve" -> GatewayHandler.requireMethod(exchange, method, "POST", () -> approve(exchange));
      case "telegram/senders" -> GatewayHandler.requireMethod(exchange, method, "GET",
          () -> exchange.sendJson(200, channels.senders(json)));
      case "telegram/revoke" -> GatewayHandler.requireMethod(exchange, method, "POST", () -> revoke(exchange));
      default -> exchange.sendError(404, "not_found", "no such route");
    }
  }

  private void approve(ApiExchange exchange) throws IOException {
    Optional<JsonNode> body = exchange.readJsonObject(4096);
    if (body.isEmpty()) {
      return;
    }
    String code = body.get().path("code").asText("").strip();
    if (!CODE.matcher(code).matches()) {
      exchange.sendError(400, "invalid_request", "code must be the pairing code the bot sent (letters and digits)");
      return;
    }
    Optional<String> sender = channels.approve(code); // the channel logs the decision with its rule
    if (sender.isEmpty()) {
      exchange.sendError(404, "unknown_code", "no pending pairing with that code (unknown, used or expired)");
      return;
    }
    exchange.sendJson(200, json.createObjectNode().put("approved", true).put("sender", sender.get()));
  }

  private void revoke(ApiExchange exchange) throws IOException {
    Optional<JsonNode> body = exchange.readJsonObject(4096);
    if (body.isEmpty()) {
      return;
    }
    String userId = body.get().path("user_id").asText("").strip();
    if (!USER_ID.matcher(userId).matches()) {
      exchange.sendError(400, "invalid_request", "user_id must be a Telegram user id (digits)");
      return;
    }
    if (!channels.revoke(userId)) { // the channels log the decision with its rule
      exchange.sendError(404, "not_paired", "user " + userId + " is not paired");
      return;
    }
    exchange.sendJson(200, json.createObjectNode().put("revoked", true).put("user_id", userId));
  }
}
