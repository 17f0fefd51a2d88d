package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.auth.AuthRequest;
import dev.clincher.gateway.auth.Authenticator;
import dev.clincher.gateway.auth.BrowserSessions;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Browser sign-in, so the page never holds the token:
 *
 * <pre>
 *   POST   /v1/auth/session   {"token":…} or {"code":…} → an HttpOnly, SameSite=Strict session cookie (the secret
 *                             is in the body; origin check and failure limiter as for any credential)
 *   GET    /v1/auth/session   whether this browser is signed in, and until when
 *   DELETE /v1/auth/session   sign out: the session ends and the cookie is cleared
 *   POST   /v1/auth/links     a one-time sign-in link (path and fragment, valid 5 minutes) for another browser
 * </pre>
 */
final class SignInEndpoint {
  static final String SESSION_PATH = "/v1/auth/session";
  static final String LINKS_PATH = "/v1/auth/links";
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.auth");
  /** Token or code bodies are small; anything larger is not a sign-in. */
  private static final long MAX_BODY = 8 * 1024;

  private final ApiAccess access;
  private final Authenticator authenticator;
  private final ObjectMapper json;

  SignInEndpoint(ApiAccess access, ObjectMapper json) {
    this.access = access;
    this.authenticator = access.authenticator();
    this.json = json;
  }

  /** {@code POST /v1/auth/session}: checks the token or code and sets the session cookie. */
  void signIn(ApiExchange exchange) throws IOException {
    Optional<JsonNode> body = exchange.readJsonObject(MAX_BODY);
    if (body.isEmpty()) {
      return;
    }
    AuthRequest request = ApiAccess.authRequest(exchange.request());
    Authenticator.SignIn result = authenticator.signIn(request, text(body.get(), "token"), text(body.get(), "code"));
    noStore(exchange);
    if (!result.decision().allowed()) {
      access.log(exchange.request(), result.decision(), "gateway.signin");
      exchange.sendRefusal(ApiAccess.Refusal.of(result.decision()));
      return;
    }
    LOG.atInfo().addKeyValue("client", result.decision().client()).addKeyValue("rule", result.decision().reason())
        .addKeyValue("credential", result.decision().credential()).log("gateway.signin.allowed");
    exchange.response().getHeaders().add(HttpHeader.SET_COOKIE,
        cookie(result.session().orElseThrow(), BrowserSessions.SESSION_TTL, authenticator.isHttps(request)));
    exchange.sendJson(200, status(result.decision().credential(), result.expiresAt()));
  }

  /** {@code GET /v1/auth/session} of an admitted request. */
  void status(ApiExchange exchange, ApiAccess.Admission admission) {
    noStore(exchange);
    Optional<Instant> expiry = admission.decision().credential().equals("cookie")
        ? authenticator.sessionExpiry(ApiAccess.authRequest(exchange.request())) : Optional.empty();
    exchange.sendJson(200, status(admission.decision().credential(), expiry));
  }

  /** {@code DELETE /v1/auth/session} of an admitted request: ends the session, clears the cookie. */
  void signOut(ApiExchange exchange, ApiAccess.Admission admission) {
    AuthRequest request = ApiAccess.authRequest(exchange.request());
    boolean ended = authenticator.signOut(request);
    LOG.atInfo().addKeyValue("client", admission.decision().client()).addKeyValue("ended", ended)
        .log("gateway.signout");
    noStore(exchange);
    exchange.response().getHeaders().add(HttpHeader.SET_COOKIE,
        cookie("", Duration.ZERO, authenticator.isHttps(request)));
    exchange.sendJson(200, json.createObjectNode().put("signed_in", false));
  }

  /** {@code POST /v1/auth/links} of an admitted request: a one-time sign-in link for another browser. */
  void mintLink(ApiExchange exchange, ApiAccess.Admission admission) {
    LOG.atInfo().addKeyValue("client", admission.decision().client())
        .addKeyValue("expires_in_s", authenticator.browsers().codeTtl().toSeconds()).log("gateway.signin.link_minted");
    noStore(exchange);
    exchange.sendJson(200, json.createObjectNode().put("path", authenticator.browsers().mintLinkPath())
        .put("expires_in", authenticator.browsers().codeTtl().toSeconds()));
  }

  /**
   * The session cookie: {@code HttpOnly} (no script reads it), {@code SameSite=Strict} (no other site's request
   * carries it), {@code Secure} when the browser reached the gateway over https, for the whole site.
   */
  static String cookie(String value, Duration maxAge, boolean https) {
    return BrowserSessions.COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAge.toSeconds()
        + "; HttpOnly; SameSite=Strict" + (https ? "; Secure" : "");
  }

  private ObjectNode status(String credential, Optional<Instant> expiresAt) {
    ObjectNode node = json.createObjectNode().put("signed_in", true).put("credential", credential);
    expiresAt.ifPresent(at -> node.put("expires_at", at.toString()));
    return node;
  }

  private static Optional<String> text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    return value != null && value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
  }

  private static void noStore(ApiExchange exchange) {
    exchange.header("Cache-Control", "no-store");
  }
}
