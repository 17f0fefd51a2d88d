package dev.clincher.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One-time tickets for WebSocket upgrades, which browsers cannot send an {@code Authorization} header with.
 *
 * <p>The flow: the web page, holding the token, calls an authenticated {@code POST} and gets a ticket (32 random
 * bytes, base64url, valid {@link #DEFAULT_TTL} by default); it then opens the WebSocket offering the subprotocols
 * {@code clincher.v1} and {@code clincher.ticket.<ticket>}. The ticket is redeemed once, only from the client
 * address it was issued to, and never from the URL query (URLs end up in proxy and browser logs). Only SHA-256
 * digests of tickets are kept, at most {@code maxTickets} (the oldest are dropped first).
 */
public final class WebSocketTickets {
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
  /** The subprotocol prefix a ticket is offered under. */
  public static final String SUBPROTOCOL_PREFIX = "clincher.ticket.";

  private record Issued(String client, long expiresAt) {}

  private final SecureRandom random = new SecureRandom();
  private final Clock clock;
  private final Duration ttl;
  private final Map<String, Issued> tickets;

  public WebSocketTickets(Clock clock, Duration ttl, int maxTickets) {
    this.clock = clock;
    this.ttl = ttl;
    this.tickets = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Issued> eldest) {
        return size() > maxTickets || eldest.getValue().expiresAt() <= clock.millis();
      }
    };
  }

  /** Issues a ticket for {@code client} (the limiter key of an authenticated request). */
  public String issue(String client) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    synchronized (tickets) {
      tickets.put(digest(ticket), new Issued(client, clock.millis() + ttl.toMillis()));
    }
    return ticket;
  }

  /** Redeems {@code ticket} for {@code client}: true at most once, before it expires, from the same client. */
  public boolean redeem(String ticket, String client) {
    Issued issued;
    synchronized (tickets) {
      issued = tickets.remove(digest(ticket));
    }
    return issued != null && issued.client().equals(client) && clock.millis() < issued.expiresAt();
  }

  private static String digest(String ticket) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
