package dev.clincher.router.config;

import dev.clincher.common.config.ConfigException;
import dev.clincher.router.tls.CaBundle;
import java.util.Locale;
import java.util.Optional;

/**
 * The CA bundle provider connections trust, as LiteLLM reads it: {@code litellm_settings.ssl_verify} as a path, else
 * the environment's {@code SSL_CERT_FILE}; neither means the JDK's default CAs. {@code ssl_verify: true} is the
 * default; {@code false} is refused, since TLS verification is never turned off. Unlike LiteLLM, a bundle that cannot
 * be used fails start-up instead of falling back to the default CAs.
 */
final class CaBundleReader {
  static final String KEY = "litellm_settings.ssl_verify";
  static final String ENV = "SSL_CERT_FILE";

  private final ConfigContext context;

  CaBundleReader(ConfigContext context) {
    this.context = context;
  }

  Optional<CaBundle> read(ConfigSection litellm) throws ConfigException {
    Optional<String> verify = litellm.string("ssl_verify").map(String::strip);
    if (verify.isPresent() && !verify.get().equalsIgnoreCase("true")) {
      return Optional.of(fromKey(verify.get()));
    }
    String file = context.env().get(ENV);
    if (file == null || file.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(CaBundle.read(file, ENV));
    } catch (CaBundle.Unusable e) {
      throw new ConfigException(ENV, "", e.getMessage(), e);
    }
  }

  private CaBundle fromKey(String value) throws ConfigException {
    if (value.toLowerCase(Locale.ROOT).equals("false")) {
      throw context.error(KEY, "TLS verification cannot be turned off; give a CA bundle path instead");
    }
    if (value.isEmpty()) {
      throw context.error(KEY, "expected true or the path of a CA bundle (PEM)");
    }
    try {
      return CaBundle.read(value, KEY);
    } catch (CaBundle.Unusable e) {
      throw context.error(KEY, e.getMessage());
    }
  }
}
