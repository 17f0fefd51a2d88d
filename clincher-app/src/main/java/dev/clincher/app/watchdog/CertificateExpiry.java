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

/** Caddy's certificates ({@code *.crt} under {@code data/caddy}) that expire within the limit. */
final class CertificateExpiry {
  private CertificateExpiry() {}

  static List<Finding> check(Path caddyData, Duration minValidity, Instant now) throws IOException {
    List<Finding> found = new ArrayList<>();
    if (!Files.isDirectory(caddyData)) {
      return found;
    }
    try (Stream<Path> files = Files.walk(caddyData, 8)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".crt") && Files.isRegularFile(f)).toList()) {
        Instant notAfter = notAfter(file);
        Duration left = Duration.between(now, notAfter);
        if (left.compareTo(minValidity) < 0) {
          found.add(new Finding("cert:" + file.getFileName(), "certificate.expiry", "certificate "
              + file.getFileName() + " expires " + notAfter + " (" + Math.max(0, left.toDays()) + " days left, limit "
              + minValidity.toDays() + ")"));
        }
      }
    }
    return found;
  }

  private static Instant notAfter(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return certificate.getNotAfter().toInstant();
    } catch (CertificateException e) {
      throw new IOException(file + " is not a readable certificate: " + e.getMessage(), e);
    }
  }
}
