package dev.clincher.gateway.auth;

import dev.clincher.gateway.auth.AuthDecision.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Authenticates gateway requests: origin check, lockout check, then the credential.
 *
 * <p>Credentials are read only from the {@code Authorization: Bearer <token>} header (exactly one header) or, for a
 * WebSocket upgrade without that header, from a one-time ticket offered as subprotocol
 * {@code clincher.ticket.<ticket>} (see {@link WebSocketTickets}). Never from the URL query. A wrong or malformed
 * credential counts as a failure for the client (see {@link FailureLimiter}); a request without any credential is
 * refused with 401 but not counted, so a browser opening the page unauthenticated cannot lock its user out. During a
 * lockout every request of the client is refused with 429, even with the correct token. Refused origins are 403 and
 * not counted either (they are a browser-side problem, not a guess).
 */
public final class Authenticator {
  /** The subprotocol browsers should offer beside the ticket; it is the one the server answers with. */
  public static final String SUBPROTOCOL = "clincher.v1";

  private final BearerToken token;
  private final ClientAddresses addresses;
  private final AllowedOrigins origins;
  private final FailureLimiter limiter;
  private final WebSocketTickets tickets;

  public Authenticator(BearerToken token, ClientAddresses addresses, AllowedOrigins origins, FailureLimiter limiter,
      WebSocketTickets tickets) {
    this.token = token;
    this.addresses = addresses;
    this.origins = origins;
    this.limiter = limiter;
    this.tickets = tickets;
  }

  /** Decides one request. */
  public AuthDecision authenticate(AuthRequest request) {
    String client = ClientAddresses.limiterKey(addresses.resolve(request.peer(), request.forwardedFor()));
    if (!origins.allows(request.origin())) {
      return refuse(Outcome.FORBIDDEN_ORIGIN, client, "origin_not_allowed");
    }
    Optional<Duration> locked = limiter.lockedFor(client);
    if (locked.isPresent()) {
      return new AuthDecision(Outcome.LOCKED_OUT, client, "locked_out", locked, Optional.empty());
    }
    if (!request.authorization().isEmpty()) {
      return checkBearer(request.authorization(), client);
    }
    if (request.webSocketUpgrade()) {
      return checkTicket(request.webSocketProtocols(), client);
    }
    return refuse(Outcome.UNAUTHENTICATED, client, "missing_credentials");
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

  private AuthDecision checkBearer(List<String> headers, String client) {
    Optional<String> presented = headers.size() == 1 ? bearerCredential(headers.get(0)) : Optional.empty();
    if (presented.isEmpty()) {
      return failure(client, "malformed_authorization");
    }
    return token.matches(presented.get()) ? success(client, Optional.empty()) : failure(client, "wrong_token");
  }

  private AuthDecision checkTicket(List<String> protocolHeaders, String client) {
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
    return success(client, answer);
  }

  /** The credential of {@code Bearer <credential>}: scheme case-insensitive, one or more spaces, no other blanks. */
  static Optional<String> bearerCredential(String header) {
    if (header.length() < 8 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return Optional.empty();
    }
    String credential = header.substring(7).stripLeading();
    boolean visible = !credential.isEmpty() && credential.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
    return visible ? Optional.of(credential) : Optional.empty();
  }

  private AuthDecision success(String client, Optional<String> subprotocol) {
    limiter.recordSuccess(client);
    return new AuthDecision(Outcome.ALLOWED, client, "ok", Optional.empty(), subprotocol);
  }

  private AuthDecision failure(String client, String reason) {
    Optional<Duration> lockout = limiter.recordFailure(client);
    if (lockout.isPresent()) {
      return new AuthDecision(Outcome.LOCKED_OUT, client, reason + ", lockout started", lockout, Optional.empty());
    }
    return refuse(Outcome.UNAUTHENTICATED, client, reason);
  }

  private static AuthDecision refuse(Outcome outcome, String client, String reason) {
    return new AuthDecision(outcome, client, reason, Optional.empty(), Optional.empty());
  }
}
