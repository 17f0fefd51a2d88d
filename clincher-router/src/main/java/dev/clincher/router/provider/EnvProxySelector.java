package dev.clincher.router.provider;

import dev.clincher.common.config.ConfigException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.client.HttpProxy;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.ProxyConfiguration;

/**
 * Chooses the outbound proxy from {@code HTTPS_PROXY}, {@code HTTP_PROXY} and {@code NO_PROXY} (upper or lower case,
 * as curl reads them): https URLs go through {@code HTTPS_PROXY}, http URLs through {@code HTTP_PROXY}, and hosts
 * matching {@code NO_PROXY} go direct. {@code NO_PROXY} entries are host names (matching the name and its
 * subdomains; a leading {@code .} or {@code *.} is allowed) or {@code *} for all; IP ranges are not supported.
 */
public final class EnvProxySelector extends ProxySelector {
  private final Optional<InetSocketAddress> httpsProxy;
  private final Optional<InetSocketAddress> httpProxy;
  private final List<String> noProxy;

  private EnvProxySelector(Optional<InetSocketAddress> httpsProxy, Optional<InetSocketAddress> httpProxy,
      List<String> noProxy) {
    this.httpsProxy = httpsProxy;
    this.httpProxy = httpProxy;
    this.noProxy = noProxy;
  }

  /**
   * Reads the variables from {@code env}.
   *
   * @throws ConfigException when a proxy URL is not {@code http://host:port} (proxy credentials and TLS to the
   *     proxy are not supported)
   */
  public static EnvProxySelector fromEnv(Map<String, String> env) throws ConfigException {
    return new EnvProxySelector(proxy(env, "HTTPS_PROXY"), proxy(env, "HTTP_PROXY"),
        Arrays.stream(variable(env, "NO_PROXY").orElse("").split(","))
            .map(entry -> entry.trim().toLowerCase(Locale.ROOT))
            .filter(entry -> !entry.isEmpty())
            .toList());
  }

  /** Whether any proxy is configured. */
  public boolean hasProxy() {
    return httpsProxy.isPresent() || httpProxy.isPresent();
  }

  @Override
  public List<Proxy> select(URI uri) {
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    Optional<InetSocketAddress> proxy = "https".equalsIgnoreCase(uri.getScheme()) ? httpsProxy : httpProxy;
    if (proxy.isEmpty() || bypasses(host)) {
      return List.of(Proxy.NO_PROXY);
    }
    return List.of(new Proxy(Proxy.Type.HTTP, proxy.get()));
  }

  @Override
  public void connectFailed(URI uri, SocketAddress address, IOException failure) {
    // Nothing to remember: the caller sees the failure and retries per its own policy.
  }

  /**
   * Adds the proxies to a Jetty client: one for {@code https} origins (tunnelled with {@code CONNECT}), one for
   * {@code http} origins, each skipping {@code NO_PROXY} hosts.
   */
  public void configure(ProxyConfiguration proxies) {
    httpsProxy.ifPresent(address -> proxies.addProxy(new SchemeProxy(address, "https", this)));
    httpProxy.ifPresent(address -> proxies.addProxy(new SchemeProxy(address, "http", this)));
  }

  /** An HTTP proxy for the origins of one scheme that {@code NO_PROXY} does not exempt. */
  private static final class SchemeProxy extends HttpProxy {
    private final String scheme;
    private final EnvProxySelector selector;

    SchemeProxy(InetSocketAddress address, String scheme, EnvProxySelector selector) {
      // HTTP/1.1 to the proxy: the client's first protocol is HTTP/2, which a CONNECT proxy does not speak in clear.
      super(new Origin.Address(address.getHostString(), address.getPort()), false,
          new Origin.Protocol(List.of("http/1.1"), false));
      this.scheme = scheme;
      this.selector = selector;
    }

    @Override
    public boolean matches(Origin origin) {
      // super: never the proxy itself (its CONNECT requests are http origins, which HTTP_PROXY would catch)
      return super.matches(origin) && scheme.equalsIgnoreCase(origin.getScheme())
          && !selector.bypasses(origin.getAddress().getHost().toLowerCase(Locale.ROOT));
    }
  }

  boolean bypasses(String host) {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    for (String entry : noProxy) {
      String name = entry.startsWith("*.") ? entry.substring(2) : entry.startsWith(".") ? entry.substring(1) : entry;
      name = name.contains(":") && !name.contains("::") ? name.substring(0, name.indexOf(':')) : name;
      if (entry.equals("*") || bare.equals(name) || bare.endsWith("." + name)) {
        return true;
      }
    }
    return false;
  }

  private static Optional<String> variable(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      value = env.get(name.toLowerCase(Locale.ROOT));
    }
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static Optional<InetSocketAddress> proxy(Map<String, String> env, String name) throws ConfigException {
    Optional<String> text = variable(env, name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String value = text.get().contains("://") ? text.get() : "http://" + text.get();
    try {
      URI uri = URI.create(value);
      if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getRawUserInfo() != null) {
        throw new ConfigException(name, "", "expected http://host:port (no credentials, no TLS to the proxy)");
      }
      return Optional.of(InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, "", "not a valid proxy URL");
    }
  }
}
