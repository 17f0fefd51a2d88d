package dev.clincher.gateway.channel.telegram;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how the Bot API is called.
 *
 * @param baseUrl {@code https://api.telegram.org} (tests: their fake server)
 * @param egressProxy the HTTP proxy every call goes through (the egress); empty only where no egress exists
 * @param connectTimeout longest wait for a connection
 * @param requestTimeout longest wait for an answer to an ordinary call (a long poll adds its own timeout)
 */
public record BotApiSettings(URI baseUrl, Optional<InetSocketAddress> egressProxy, Duration connectTimeout,
    Duration requestTimeout) {
  public static final URI TELEGRAM = URI.create("https://api.telegram.org");

  public BotApiSettings {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(egressProxy, "egressProxy");
    if (!"https".equals(baseUrl.getScheme()) && !"http".equals(baseUrl.getScheme())) {
      throw new IllegalArgumentException("the Bot API base URL must be http or https");
    }
  }

  /** Telegram itself, through the egress proxy. */
  public static BotApiSettings telegram(InetSocketAddress egressProxy) {
    return new BotApiSettings(TELEGRAM, Optional.of(egressProxy), Duration.ofSeconds(10), Duration.ofSeconds(30));
  }
}
