package dev.clincher.router.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * What provider connections trust: the CA bundle when one is given (and nothing else), else the JDK's default trust
 * store.
 *
 * @param context        the TLS context of the provider client
 * @param from           where the trust comes from: {@code SSL_CERT_FILE}, {@code litellm_settings.ssl_verify}, or
 *                       {@link #JDK}
 * @param path           the bundle's path; empty for the JDK's store
 * @param caCertificates how many certificates are trusted
 */
public record ProviderTrust(SSLContext context, String from, Optional<Path> path, int caCertificates) {
  /** {@link #from()} when no bundle is given. */
  public static final String JDK = "jdk";

  public ProviderTrust {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(path, "path");
  }

  /** Trusts {@code bundle} alone when present, else the JDK's default CAs. */
  public static ProviderTrust of(Optional<CaBundle> bundle) {
    if (bundle.isPresent()) {
      CaBundle ca = bundle.get();
      return new ProviderTrust(ca.sslContext(), ca.origin(), Optional.of(ca.file()), ca.certificates().size());
    }
    return jdkDefault();
  }

  private static ProviderTrust jdkDefault() {
    try {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      int count = Arrays.stream(factory.getTrustManagers()).filter(X509TrustManager.class::isInstance)
          .mapToInt(manager -> ((X509TrustManager) manager).getAcceptedIssuers().length).sum();
      return new ProviderTrust(SSLContext.getDefault(), JDK, Optional.empty(), count);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no default TLS context", e);
    }
  }
}
