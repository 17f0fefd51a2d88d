package dev.clincher.gateway.config;

import dev.clincher.common.config.ConfigException;
import dev.clincher.gateway.tools.web.WebFetchSettings;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Where the gateway's outbound web traffic goes: the egress proxy of {@code egress.proxy}, else of the environment. */
public final class ProxyEnvironment {
  private ProxyEnvironment() {}

  /** web_fetch goes out only through the egress proxy: {@code egress.proxy}, else HTTPS_PROXY / HTTP_PROXY. */
  public static WebFetchSettings webFetchSettings(String source, GatewayConfig config, Map<String, String> env)
      throws ConfigException {
    Map<String, String> proxyEnv = new HashMap<>();
    String configured = config.egress().proxy();
    for (String name : List.of("HTTPS_PROXY", "HTTP_PROXY")) {
      String value = configured != null && !configured.isBlank() ? configured
          : env.getOrDefault(name, env.getOrDefault(name.toLowerCase(Locale.ROOT), ""));
      if (!value.isBlank()) {
        proxyEnv.put(name, value);
      }
    }
    WebFetchSettings base = WebFetchSettings.fromEnv(proxyEnv);
    GatewayConfig.WebFetch limits = config.tools().webFetch();
    try {
      return new WebFetchSettings(base.httpProxy(), base.httpsProxy(), config.egress().allowDirect(),
          (int) limits.maxBytes().bytes(), base.defaultMaxChars(), base.maxChars(), limits.timeout().value(),
          limits.maxRedirects());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source, "tools.web_fetch", e.getMessage());
    }
  }

  /** The egress proxy the control page asks: {@code egress.proxy}, else HTTPS_PROXY; empty when there is none. */
  public static Optional<URI> egressUrl(GatewayConfig config, Map<String, String> env) {
    String egress = config.egress().proxy();
    if (egress == null || egress.isBlank()) {
      egress = env.getOrDefault("HTTPS_PROXY", env.getOrDefault("https_proxy", ""));
    }
    return egress.isBlank() ? Optional.empty() : Optional.of(URI.create(egress));
  }
}
