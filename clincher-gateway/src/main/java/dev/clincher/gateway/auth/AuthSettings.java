package dev.clincher.gateway.auth;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything gateway authentication is configured with, and the one place that builds an {@link Authenticator}.
 *
 * @param token the bearer token (from the {@code *_FILE} secret)
 * @param tokenSource where the token came from, e.g. {@code CLINCHER_GATEWAY_TOKEN_FILE}, for start-up errors
 * @param trustedProxies CIDR blocks of the reverse proxies whose {@code X-Forwarded-For} is believed
 * @param allowedOrigins browser origins allowed ({@code scheme://host[:port]})
 * @param requireOrigin refuse requests without an {@code Origin} header (default false: non-browser clients have none)
 * @param limits failed-attempt limits (default: 10 per 60 s, 5-minute lockout, 10 000 clients)
 * @param ticketTtl lifetime of a WebSocket ticket (default 30 s)
 * @param maxTickets WebSocket tickets outstanding at most (default 10 000)
 */
public record AuthSettings(Secret token, String tokenSource, List<String> trustedProxies, List<String> allowedOrigins,
    boolean requireOrigin, FailureLimiter.Limits limits, Duration ticketTtl, int maxTickets) {

  public AuthSettings {
    Objects.requireNonNull(token, "token");
    trustedProxies = List.copyOf(trustedProxies);
    allowedOrigins = List.copyOf(allowedOrigins);
  }

  /** The seed's policy with the given token, proxies and origins. */
  public static AuthSettings of(Secret token, String tokenSource, List<String> trustedProxies,
      List<String> allowedOrigins) {
    return new AuthSettings(token, tokenSource, trustedProxies, allowedOrigins, false,
        FailureLimiter.Limits.defaults(), WebSocketTickets.DEFAULT_TTL, 10_000);
  }

  /**
   * Builds the authenticator, checking the token's strength, the proxy blocks and the origins.
   *
   * @param source the config file, for errors about {@code trustedProxies} and {@code allowedOrigins}
   * @param key the config section, e.g. {@code gateway.auth}
   * @throws ConfigException naming the source and key of the first bad value (never the token)
   */
  public Authenticator build(String source, String key, Clock clock) throws ConfigException {
    return new Authenticator(BearerToken.of(token, tokenSource),
        ClientAddresses.parse(source, key + ".trustedProxies", trustedProxies),
        AllowedOrigins.parse(source, key + ".allowedOrigins", allowedOrigins, requireOrigin),
        new FailureLimiter(limits, clock),
        new WebSocketTickets(clock, ticketTtl, maxTickets),
        new BrowserSessions(clock, BrowserSessions.SESSION_TTL, BrowserSessions.CODE_TTL));
  }
}
