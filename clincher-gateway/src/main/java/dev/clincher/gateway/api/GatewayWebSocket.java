package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.gateway.auth.Authenticator;
import dev.clincher.gateway.session.SessionService;
import java.time.Duration;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The WebSocket endpoint {@code /v1/ws}: the upgrade passes {@link ApiAccess} like every other request (a browser
 * authenticates with a one-time ticket offered as a subprotocol, since it cannot set headers on a WebSocket), then
 * {@link EventsWebSocket} serves the connection. Frames are bounded; an idle connection is closed.
 */
public final class GatewayWebSocket {
  public static final String PATH = "/v1/ws";
  static final long MAX_MESSAGE_BYTES = 256 * 1024;
  static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);

  private GatewayWebSocket() {}

  /** A handler that upgrades {@code /v1/ws} and passes everything else to {@code next}. */
  public static Handler upgradeHandler(Server server, ApiAccess access, SessionService sessions, ObjectMapper json,
      Handler next) {
    WebSocketUpgradeHandler upgrade = WebSocketUpgradeHandler.from(server, container -> {
      container.setMaxTextMessageSize(MAX_MESSAGE_BYTES);
      container.setMaxBinaryMessageSize(1024);
      container.setIdleTimeout(IDLE_TIMEOUT);
      container.addMapping(PATH, (request, response, callback) -> {
        ApiAccess.Admission admission = access.check(request);
        if (!admission.admitted()) {
          ApiAccess.Refusal refusal = admission.refusal().orElseThrow();
          if (refusal.retryAfterSeconds() > 0) {
            response.getHeaders().put("Retry-After", String.valueOf(refusal.retryAfterSeconds()));
          }
          Response.writeError(request, response, callback, refusal.status(), refusal.message());
          return null;
        }
        admission.decision().subprotocol().ifPresentOrElse(response::setAcceptedSubProtocol, () -> {
          if (request.getSubProtocols().contains(Authenticator.SUBPROTOCOL)) {
            response.setAcceptedSubProtocol(Authenticator.SUBPROTOCOL);
          }
        });
        return new EventsWebSocket(sessions, json);
      });
    });
    upgrade.setHandler(next);
    return upgrade;
  }
}
