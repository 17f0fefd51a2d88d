package dev.clincher.gateway.api;

import dev.clincher.gateway.auth.AuthDecision;
import dev.clincher.gateway.auth.AuthRequest;
import dev.clincher.gateway.auth.Authenticator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a request may reach the API (origin, client address, failed-attempt lockout, credential) with
 * the gateway's {@link Authenticator}: reads the Jetty request, logs refusals, and says what to answer.
 */
public final class ApiAccess {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.auth");

  private final Authenticator authenticator;

  public ApiAccess(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** What to answer a refused request. */
  public record Refusal(int status, String type, String message, long retryAfterSeconds) {}

  /** The outcome of {@link #check}: refused with an answer, or admitted (with the WebSocket subprotocol to echo). */
  public record Admission(Optional<Refusal> refusal, AuthDecision decision) {

    public boolean admitted() {
      return refusal.isEmpty();
    }
  }

  /** Decides one request. */
  public Admission check(Request request) {
    AuthDecision decision = authenticator.authenticate(authRequest(request));
    if (decision.allowed()) {
      return new Admission(Optional.empty(), decision);
    }
    LOG.atWarn().addKeyValue("client", decision.client()).addKeyValue("outcome", decision.outcome().name())
        .addKeyValue("reason", decision.reason()).addKeyValue("path", Request.getPathInContext(request))
        .log("gateway.auth.refused");
    Refusal refusal = new Refusal(decision.outcome().status(), decision.outcome().errorType(),
        decision.clientMessage(), decision.retryAfterSeconds());
    return new Admission(Optional.of(refusal), decision);
  }

  /** Issues a one-time WebSocket ticket to an admitted request's client. */
  public String issueTicket(Admission admitted) {
    return authenticator.issueTicket(admitted.decision());
  }

  static AuthRequest authRequest(Request request) {
    HttpFields headers = request.getHeaders();
    boolean upgrade = "websocket".equalsIgnoreCase(headers.get(HttpHeader.UPGRADE));
    return new AuthRequest(peer(request), values(headers, HttpHeader.AUTHORIZATION.asString()),
        values(headers, "X-Forwarded-For"), values(headers, HttpHeader.ORIGIN.asString()),
        values(headers, HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL.asString()), upgrade);
  }

  private static List<String> values(HttpFields headers, String name) {
    return headers.getValuesList(name);
  }

  private static InetAddress peer(Request request) {
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    if (remote instanceof InetSocketAddress address && address.getAddress() != null) {
      return address.getAddress();
    }
    return InetAddress.getLoopbackAddress();
  }
}
