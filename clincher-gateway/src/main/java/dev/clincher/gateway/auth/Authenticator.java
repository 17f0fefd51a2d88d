package dev.clincher.gateway.auth;

import dev.clincher.gateway.auth.AuthDecision.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Authenticates gateway requests: origin check, lockout check, then the credential.
 *
 * <p>Credentials, in order: the {@code Authorization: Bearer <token>} header (exactly one header); for a WebSocket
 * upgrade, a one-time ticket offered as subprotocol {@code clincher.ticket.<ticket>} (see {@link WebSocketTickets});
 * a browser session cookie (see {@link BrowserSessions}). Never from the URL query. A wrong or malformed token or
 * ticket counts as a failure for the client (see {@link FailureLimiter}); a request without any credential, or with
 * a stale session cookie (a restarted gateway forgets its sessions), is refused with 401 but not counted, so a
 * browser opening the page cannot lock its user out. During a lockout every request of the client is refused with
 * 429, even with the correct token. Refused origins are 403 and not counted either.
 *
 * <p>A cookie is sent by the browser on its own, so a cookie-authenticated request that changes state (any method but
 * GET/HEAD/OPTIONS) must also carry an allowed {@code Origin} and the {@link AuthRequest#CSRF_HEADER} header, which
 * another site cannot add without a CORS preflight the gateway never grants.
 *
 * <p>{@link #signIn} exchanges the token or a one-time sign-in code for a session, under the same origin check and
 * failure limiter.
 */
public final class Authenticator {
  /** The subprotocol browsers should offer beside the ticket; it is the one the server answers with. */
  public static final String SUBPROTOCOL = "clincher.v1";

  private final BearerToken token;
  private final ClientAddresses addresses;
  private final AllowedOrigins origins;
  private final FailureLimiter limiter;
  private final WebSocketTickets tickets;
  private final BrowserSessions browsers;

  public Authenticator(BearerToken token, ClientAddresses addresses, AllowedOrigins origins, FailureLimiter limiter,
      WebSocketTickets tickets, BrowserSessions browsers) {
    this.token = token;
    this.addresses = addresses;
    this.origins = origins;
    this.limiter = limiter;
    this.tickets = tickets;
    this.browsers = browsers;
  }

  /** Where a sign-in ended: the decision and, when allowed, the session secret for the cookie and its expiry. */
  public record SignIn(AuthDecision decision, Optional<String> session, Optional<Instant> expiresAt) {}

  /** Decides one request. */
  public AuthDecision authenticate(AuthRequest request) {
    String client = clientOf(request);
    AllowedOrigins.Check origin = checkOrigin(request);
    if (!origin.allowed()) {
      return refuse(Outcome.FORBIDDEN_ORIGIN, client, origin.rule());
    }
    Optional<Duration> locked = limiter.lockedFor(client);
    if (locked.isPresent()) {
      return new AuthDecision(Outcome.LOCKED_OUT, client, "locked_out", "", locked, Optional.empty());
    }
    if (!request.authorization().isEmpty()) {
      return checkBearer(request.authorization(), client, origin);
    }
    if (request.webSocketUpgrade()) {
      return checkTicket(request.webSocketProtocols(), client, origin);
    }
    List<String> cookies = BrowserSessions.cookieValues(request.header("Cookie"));
    if (!cookies.isEmpty()) {
      return checkCookie(request, cookies, client, origin);
    }
    return refuse(Outcome.UNAUTHENTICATED, client, "missing_credentials");
  }

  /**
   * Exchanges the token or a sign-in code (exactly one of them) for a browser session: origin check, lockout check,
   * then the secret; a wrong one counts as a failure like a wrong bearer token.
   */
  public SignIn signIn(AuthRequest request, Optional<String> presentedToken, Optional<String> presentedCode) {
    String client = clientOf(request);
    AllowedOrigins.Check origin = checkOrigin(request);
    if (!origin.allowed()) {
      return refused(refuse(Outcome.FORBIDDEN_ORIGIN, client, origin.rule()));
    }
    Optional<Duration> locked = limiter.lockedFor(client);
    if (locked.isPresent()) {
      return refused(new AuthDecision(Outcome.LOCKED_OUT, client, "locked_out", "", locked, Optional.empty()));
    }
    if (presentedToken.isPresent() == presentedCode.isPresent()) {
      return refused(refuse(Outcome.UNAUTHENTICATED, client, "need_token_or_code"));
    }
    boolean valid = presentedToken.map(token::matches).orElseGet(() -> browsers.redeemCode(presentedCode.get()));
    String credential = presentedToken.isPresent() ? "token" : "code";
    if (!valid) {
      return refused(failure(client, presentedToken.isPresent() ? "wrong_token" : "invalid_or_used_code"));
    }
    String session = browsers.start();
    return new SignIn(success(client, origin, credential, Optional.empty()), Optional.of(session),
        browsers.expiry(session));
  }

  /** Ends the browser session of this request's cookie, if any; true if one was live. */
  public boolean signOut(AuthRequest request) {
    List<String> cookies = BrowserSessions.cookieValues(request.header("Cookie"));
    return cookies.size() == 1 && browsers.end(cookies.get(0));
  }

  /** When the browser session of this request's cookie ends, if it has a live one. */
  public Optional<Instant> sessionExpiry(AuthRequest request) {
    List<String> cookies = BrowserSessions.cookieValues(request.header("Cookie"));
    return cookies.size() == 1 ? browsers.expiry(cookies.get(0)) : Optional.empty();
  }

  /** Whether the request reached the gateway over https, directly or per its trusted proxy (for the cookie's flag). */
  public boolean isHttps(AuthRequest request) {
    return RequestOrigin.of(request, addresses.trusts(request.peer())).map(o -> o.startsWith("https:"))
        .orElse(request.secure());
  }

  /** The browser sessions (sign-in codes are minted here). */
  public BrowserSessions browsers() {
    return browsers;
  }

  /**
   * Issues a WebSocket ticket to the client of an allowed decision (the lead calls this from the authenticated
   * ticket endpoint and returns the ticket in the JSON response body).
   *
   * @throws IllegalArgumentException if {@code decision} is not {@link Outcome#ALLOWED}
   */
  public String issueTicket(AuthDecision decision) {
    if (!decision.allowed()) {
      throw new IllegalArgumentException("tickets are issued to authenticated requests only");
    }
    return tickets.issue(decision.client());
  }

  private String clientOf(AuthRequest request) {
    return ClientAddresses.limiterKey(addresses.resolve(request.peer(), request.forwardedFor()));
  }

  private AllowedOrigins.Check checkOrigin(AuthRequest request) {
    return origins.check(request.origin(), RequestOrigin.of(request, addresses.trusts(request.peer())));
  }

  private AuthDecision checkBearer(List<String> headers, String client, AllowedOrigins.Check origin) {
    Optional<String> presented = headers.size() == 1 ? bearerCredential(headers.get(0)) : Optional.empty();
    if (presented.isEmpty()) {
      return failure(client, "malformed_authorization");
    }
    return token.matches(presented.get()) ? success(client, origin, "token", Optional.empty())
        : failure(client, "wrong_token");
  }

  private AuthDecision checkCookie(AuthRequest request, List<String> cookies, String client,
      AllowedOrigins.Check origin) {
    if (cookies.size() > 1) {
      return refuse(Outcome.UNAUTHENTICATED, client, "several_session_cookies");
    }
    if (browsers.expiry(cookies.get(0)).isEmpty()) {
      return refuse(Outcome.UNAUTHENTICATED, client, "unknown_or_expired_session");
    }
    if (request.changesState() && request.origin().isEmpty()) {
      return refuse(Outcome.CSRF_REFUSED, client, "cookie_without_origin");
    }
    if (request.changesState() && request.header(AuthRequest.CSRF_HEADER).isEmpty()) {
      return refuse(Outcome.CSRF_REFUSED, client, "cookie_without_csrf_header");
    }
    return success(client, origin, "cookie", Optional.empty());
  }

  private AuthDecision checkTicket(List<String> protocolHeaders, String client, AllowedOrigins.Check origin) {
    List<String> offered = new ArrayList<>();
    protocolHeaders.forEach(h -> List.of(h.split(",", -1)).forEach(p -> offered.add(p.strip())));
    List<String> ticketEntries = offered.stream().filter(p -> p.startsWith(WebSocketTickets.SUBPROTOCOL_PREFIX))
        .toList();
    if (ticketEntries.isEmpty()) {
      return refuse(Outcome.UNAUTHENTICATED, client, "missing_credentials");
    }
    if (ticketEntries.size() > 1) {
      return failure(client, "malformed_ticket");
    }
    String ticket = ticketEntries.get(0).substring(WebSocketTickets.SUBPROTOCOL_PREFIX.length());
    if (!tickets.redeem(ticket, client)) {
      return failure(client, "invalid_ticket");
    }
    Optional<String> answer = offered.stream().filter(SUBPROTOCOL::equals).findFirst();
    return success(client, origin, "ticket", answer);
  }

  static Optional<String> bearerCredential(String header) {
    if (header.length() < 8 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return Optional.empty();
    }
    String credential = header.substring(7).stripLeading();
    boolean visible = !credential.isEmpty() && credential.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
    return visible ? Optional.of(credential) : Optional.empty();
  }

  private AuthDecision success(String client, AllowedOrigins.Check origin, String credential,
      Optional<String> subprotocol) {
    limiter.recordSuccess(client);
    return new AuthDecision(Outcome.ALLOWED, client, origin.rule(), credential, Optional.empty(), subprotocol);
  }

  private AuthDecision failure(String client, String reason) {
    Optional<Duration> lockout = limiter.recordFailure(client);
    if (lockout.isPresent()) {
      return new AuthDecision(Outcome.LOCKED_OUT, client, reason + ", lockout started", "", lockout,
          Optional.empty());
    }
    return refuse(Outcome.UNAUTHENTICATED, client, reason);
  }

  private static AuthDecision refuse(Outcome outcome, String client, String reason) {
    return new AuthDecision(outcome, client, reason, "", Optional.empty(), Optional.empty());
  }

  private static SignIn refused(AuthDecision decision) {
    return new SignIn(decision, Optional.empty(), Optional.empty());
  }
}
