package dev.clincher.gateway.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Signed-in browsers and the one-time sign-in codes that let a browser sign in without the token.
 *
 * <p>A browser signs in once — with the token, or with a sign-in code — and gets a session secret as an
 * {@code HttpOnly; SameSite=Strict} cookie named {@value #COOKIE}; the page never holds the token. A session lasts
 * {@link #SESSION_TTL} from sign-in (no sliding renewal) or until sign-out. A sign-in code is minted for the operator
 * (printed by {@code clincher up}, or {@code POST /v1/auth/links}), works once and only for {@link #CODE_TTL}.
 * Everything is kept in memory (digests only): a gateway restart signs every browser out.
 */
public final class BrowserSessions {
  public static final String COOKIE = "clincher_session";
  public static final Duration SESSION_TTL = Duration.ofHours(12);
  public static final Duration CODE_TTL = Duration.ofMinutes(5);
  /** The URL fragment a sign-in link carries its code in (never sent to a server, never in a log). */
  public static final String LINK_FRAGMENT = "#signin=";
  private static final String ANY_CLIENT = "*";

  private final ExpiringSecrets sessions;
  private final ExpiringSecrets codes;

  public BrowserSessions(Clock clock, Duration sessionTtl, Duration codeTtl) {
    this.sessions = new ExpiringSecrets(clock, sessionTtl, 10_000);
    this.codes = new ExpiringSecrets(clock, codeTtl, 100);
  }

  /** A new one-time sign-in code. */
  public String mintCode() {
    return codes.issue(ANY_CLIENT);
  }

  /** The path and fragment of a sign-in link for a new code: {@code /#signin=<code>}. */
  public String mintLinkPath() {
    return "/" + LINK_FRAGMENT + mintCode();
  }

  public Duration codeTtl() {
    return codes.ttl();
  }

  boolean redeemCode(String code) {
    return codes.redeem(code).isPresent();
  }

  /** Starts a session; the secret goes into the cookie. */
  String start() {
    return sessions.issue(ANY_CLIENT);
  }

  /** When the session ends, if {@code secret} is a live session. */
  Optional<Instant> expiry(String secret) {
    return sessions.peek(secret).map(ExpiringSecrets.Issued::expiresAt);
  }

  /** Ends the session; true if it was live. */
  boolean end(String secret) {
    return sessions.revoke(secret);
  }

  Duration sessionTtl() {
    return sessions.ttl();
  }

  /**
   * The values of the {@value #COOKIE} cookie in these {@code Cookie} header values (RFC 6265 pairs separated by
   * {@code ;}); more than one value means another cookie of the same name was planted, and is refused by the caller.
   */
  static List<String> cookieValues(List<String> cookieHeaders) {
    return cookieHeaders.stream().flatMap(header -> java.util.Arrays.stream(header.split(";")))
        .map(String::strip).filter(pair -> pair.startsWith(COOKIE + "="))
        .map(pair -> pair.substring(COOKIE.length() + 1)).toList();
  }
}
