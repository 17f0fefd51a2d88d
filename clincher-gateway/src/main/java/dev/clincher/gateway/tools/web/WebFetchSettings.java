package dev.clincher.gateway.tools.web;

import dev.clincher.common.config.ConfigException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How {@code web_fetch} reaches the web.
 *
 * <p>The gateway never connects to a web server itself: every fetch goes through the egress proxy
 * ({@code https://} URLs by {@code CONNECT}, {@code http://} URLs as absolute-form requests, which the egress serves
 * with {@code --allow-plain-http}). An {@code https} URL uses {@code httpsProxy} and falls back to {@code httpProxy},
 * and the other way round. With no proxy at all the tool refuses every fetch unless {@code allowDirect} is set
 * (development only). {@code NO_PROXY} is deliberately not honoured: internal names must not be fetchable.
 *
 * @param httpProxy proxy for http URLs ({@code HTTP_PROXY})
 * @param httpsProxy proxy for https URLs ({@code HTTPS_PROXY})
 * @param allowDirect fetch without a proxy when none is configured
 * @param maxBytes body bytes read at most; the rest is not read and the result says it was truncated
 * @param defaultMaxChars characters of text returned when the call gives no {@code max_chars}
 * @param maxChars the largest {@code max_chars} a call may ask for (larger values are lowered to it)
 * @param timeout time for the whole fetch, redirects included; a body still arriving then is cut
 * @param maxRedirects redirects followed at most (each hop re-checked)
 */
public record WebFetchSettings(Optional<InetSocketAddress> httpProxy, Optional<InetSocketAddress> httpsProxy,
    boolean allowDirect, int maxBytes, int defaultMaxChars, int maxChars, Duration timeout, int maxRedirects) {

  public WebFetchSettings {
    if (maxBytes < 1 || defaultMaxChars < 1 || maxChars < defaultMaxChars || maxRedirects < 0
        || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("web_fetch limits must be positive and maxChars >= defaultMaxChars");
    }
  }

  /** The given proxies with default limits: 2 MiB, 20 000 characters (at most 100 000), 30 s, 5 redirects. */
  public static WebFetchSettings defaults(Optional<InetSocketAddress> httpProxy,
      Optional<InetSocketAddress> httpsProxy) {
    return new WebFetchSettings(httpProxy, httpsProxy, false, 2 * 1024 * 1024, 20_000, 100_000,
        Duration.ofSeconds(30), 5);
  }

  /**
   * Default limits with the proxies of {@code HTTP_PROXY}/{@code http_proxy} and {@code HTTPS_PROXY}/
   * {@code https_proxy} (upper case wins).
   *
   * @throws ConfigException naming the variable whose value is not {@code http://host:port}
   */
  public static WebFetchSettings fromEnv(Map<String, String> env) throws ConfigException {
    return defaults(proxyFromEnv(env, "HTTP_PROXY"), proxyFromEnv(env, "HTTPS_PROXY"));
  }

  /** The proxy for {@code scheme} ({@code http} or {@code https}), falling back to the other one. */
  public Optional<InetSocketAddress> proxyFor(String scheme) {
    Optional<InetSocketAddress> first = scheme.equals("https") ? httpsProxy : httpProxy;
    return first.or(() -> scheme.equals("https") ? httpProxy : httpsProxy);
  }

  private static Optional<InetSocketAddress> proxyFromEnv(Map<String, String> env, String name)
      throws ConfigException {
    String variable = env.containsKey(name) ? name : name.toLowerCase(java.util.Locale.ROOT);
    String value = env.get(variable);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(parseProxy(variable, value.strip()));
  }

  /**
   * Parses {@code http://host:port} (a trailing {@code /} is allowed). No credentials, no {@code https://} proxy.
   *
   * @throws ConfigException naming {@code source} (the value itself is not repeated: it could hold credentials)
   */
  public static InetSocketAddress parseProxy(String source, String value) throws ConfigException {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new ConfigException(source, "", "not a URL; write http://host:port");
    }
    if (uri.getRawUserInfo() != null) {
      throw new ConfigException(source, "", "proxy credentials are not supported");
    }
    boolean plain = "http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0
        && uri.getPort() <= 65535 && (uri.getRawPath() == null || uri.getRawPath().isEmpty()
        || uri.getRawPath().equals("/")) && uri.getRawQuery() == null && uri.getRawFragment() == null;
    if (!plain) {
      throw new ConfigException(source, "", "the proxy must be http://host:port (with the port, no path)");
    }
    return InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort());
  }
}
