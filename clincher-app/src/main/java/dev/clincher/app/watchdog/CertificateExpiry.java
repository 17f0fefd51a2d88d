package dev.clincher.app.watchdog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The certificates Caddy obtained from an ACME issuer ({@code certificates/<issuer>/<domain>/<domain>.crt} under its
 * data directory) that expire within the limit, or cannot be read. Caddy's own CA is left out: its
 * {@code pki/} root and intermediate and the leaf certificates it issues itself ({@code certificates/local/}) live
 * hours to days by design and are renewed by Caddy without any network.
 */
final class CertificateExpiry {
  /** Caddy's internal issuer's directory under {@code certificates/}. */
  static final String CADDY_INTERNAL_ISSUER = "local";

  private CertificateExpiry() {}

  static List<Finding> check(Path caddyData, Duration minValidity, Instant now) throws IOException {
    List<Finding> found = new ArrayList<>();
    Path certificates = caddyData.resolve("certificates");
    if (!Files.isDirectory(certificates)) {
      return found;
    }
    Path internal = certificates.resolve(CADDY_INTERNAL_ISSUER);
    try (Stream<Path> files = Files.walk(certificates, 4)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".crt") && !f.startsWith(internal)
          && Files.isRegularFile(f)).sorted().toList()) {
        check(file, minValidity, now, found);
      }
    }
    return found;
  }

  private static void check(Path file, Duration minValidity, Instant now, List<Finding> found) throws IOException {
    Instant notAfter;
    try {
      notAfter = notAfter(file);
    } catch (CertificateException | ClassCastException e) {
      found.add(new Finding("cert:" + file.getFileName(), "certificate.unreadable", "certificate "
          + file.getFileName() + " cannot be read: " + e.getMessage()));
      return;
    }
    Duration left = Duration.between(now, notAfter);
    if (left.compareTo(minValidity) < 0) {
      found.add(new Finding("cert:" + file.getFileName(), "certificate.expiry", "certificate "
          + file.getFileName() + " expires " + notAfter + " (" + Math.max(0, left.toDays()) + " days left, limit "
          + minValidity.toDays() + ")"));
    }
  }

  private static Instant notAfter(Path file) throws IOException, CertificateException {
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return certificate.getNotAfter().toInstant();
    }
  }
}
