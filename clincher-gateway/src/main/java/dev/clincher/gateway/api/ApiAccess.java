package dev.clincher.gateway.api;

import dev.clincher.gateway.auth.AuthDecision;
import dev.clincher.gateway.auth.AuthMetrics;
import dev.clincher.gateway.auth.AuthRequest;
import dev.clincher.gateway.auth.Authenticator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a request may reach the API (origin, client address, failed-attempt lockout, credential) with
 * the gateway's {@link Authenticator}: reads the Jetty request, logs the decision once with its rule, and says what
 * to answer.
 */
public final class ApiAccess {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.auth");

  private final Authenticator authenticator;
  private final AuthMetrics metrics;

  public ApiAccess(Authenticator authenticator, AuthMetrics metrics) {
    this.authenticator = authenticator;
    this.metrics = metrics;
  }

  /** What to answer a refused request. */
  public record Refusal(int status, String type, String message, long retryAfterSeconds) {

    static Refusal of(AuthDecision decision) {
      return new Refusal(decision.outcome().status(), decision.outcome().errorType(), decision.clientMessage(),
          decision.retryAfterSeconds());
    }
  }

  /** The outcome of {@link #check}: refused with an answer, or admitted (with the WebSocket subprotocol to echo). */
  public record Admission(Optional<Refusal> refusal, AuthDecision decision) {

    public boolean admitted() {
      return refusal.isEmpty();
    }
  }

  /** Decides one request. */
  public Admission check(Request request) {
    AuthDecision decision = authenticator.authenticate(authRequest(request));
    log(request, decision, "gateway.auth");
    if (decision.allowed()) {
      return new Admission(Optional.empty(), decision);
    }
    return new Admission(Optional.of(Refusal.of(decision)), decision);
  }

  /** Issues a one-time WebSocket ticket to an admitted request's client. */
  public String issueTicket(Admission admitted) {
    return authenticator.issueTicket(admitted.decision());
  }

  Authenticator authenticator() {
    return authenticator;
  }

  /**
   * Logs one decision: refusals at WARN, admissions at DEBUG (one per API request), each with its rule; never a
   * credential. A refusal is counted by the same rule ({@link AuthMetrics}).
   */
  void log(Request request, AuthDecision decision, String event) {
    metrics.decided(decision);
    var line = decision.allowed() ? LOG.atDebug() : LOG.atWarn();
    line.addKeyValue("client", decision.client()).addKeyValue("outcome", decision.outcome().name())
        .addKeyValue("rule", decision.reason()).addKeyValue("credential", decision.credential())
        .addKeyValue("method", request.getMethod()).addKeyValue("path", Request.getPathInContext(request))
        .log(decision.allowed() ? event + ".allowed" : event + ".refused");
  }

  /** What authentication reads of a Jetty request: peer, method, TLS, and every header by lower-case name. */
  static AuthRequest authRequest(Request request) {
    Map<String, List<String>> headers = new HashMap<>();
    for (HttpField field : request.getHeaders()) {
      headers.computeIfAbsent(field.getLowerCaseName(), name -> new java.util.ArrayList<>()).add(field.getValue());
    }
    String authority = request.getHttpURI().getAuthority();
    if (!headers.containsKey("host") && authority != null && !authority.isEmpty()) {
      headers.put("host", List.of(authority));
    }
    boolean upgrade = "websocket".equalsIgnoreCase(request.getHeaders().get(HttpHeader.UPGRADE));
    return new AuthRequest(peer(request), request.getMethod(), request.isSecure(), headers, upgrade);
  }

  private static InetAddress peer(Request request) {
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    if (remote instanceof InetSocketAddress address && address.getAddress() != null) {
      return address.getAddress();
    }
    return InetAddress.getLoopbackAddress();
  }
}
