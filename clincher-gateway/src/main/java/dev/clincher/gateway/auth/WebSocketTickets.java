package dev.clincher.gateway.auth;

import java.time.Clock;
import java.time.Duration;

/**
 * One-time tickets for WebSocket upgrades, which browsers cannot send an {@code Authorization} header with.
 *
 * <p>The flow: the web page, signed in, calls an authenticated {@code POST} and gets a ticket (32 random bytes,
 * base64url, valid {@link #DEFAULT_TTL} by default); it then opens the WebSocket offering the subprotocols
 * {@code clincher.v1} and {@code clincher.ticket.<ticket>}. The ticket is redeemed once, only from the client
 * address it was issued to, and never from the URL query (URLs end up in proxy and browser logs). Only SHA-256
 * digests of tickets are kept, at most {@code maxTickets} (the oldest are dropped first).
 */
public final class WebSocketTickets {
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
  /** The subprotocol prefix a ticket is offered under. */
  public static final String SUBPROTOCOL_PREFIX = "clincher.ticket.";

  private final ExpiringSecrets tickets;

  public WebSocketTickets(Clock clock, Duration ttl, int maxTickets) {
    this.tickets = new ExpiringSecrets(clock, ttl, maxTickets);
  }

  /** Issues a ticket for {@code client} (the limiter key of an authenticated request). */
  public String issue(String client) {
    return tickets.issue(client);
  }

  /** Redeems {@code ticket} for {@code client}: true at most once, before it expires, from the same client. */
  public boolean redeem(String ticket, String client) {
    return tickets.redeem(ticket).filter(issued -> issued.owner().equals(client)).isPresent();
  }
}
