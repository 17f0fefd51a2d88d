package dev.clincher.router.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The CA certificates provider connections trust instead of the JDK's: a PEM bundle named by {@code SSL_CERT_FILE}
 * or {@code litellm_settings.ssl_verify}, read as LiteLLM (Python's {@code ssl}) reads it.
 *
 * <p>The file holds {@code -----BEGIN CERTIFICATE-----} blocks; text between them (the comments of certifi's or
 * Debian's bundles) is skipped. Any other block (a private key, a CRL, OpenSSL's {@code TRUSTED CERTIFICATE}) is
 * refused, since the file is then not what the operator meant to give. Every certificate is a trust anchor, a CA's
 * or not: a self-signed server certificate given alone pins that server, as with OpenSSL's CA file. The server's host
 * name is still checked against its certificate (see {@code Providers}).
 *
 * @param file         the bundle, as given
 * @param origin       where it was named: {@code SSL_CERT_FILE} or {@code litellm_settings.ssl_verify}
 * @param certificates every certificate in it, in file order (at least one)
 */
public record CaBundle(Path file, String origin, List<X509Certificate> certificates) {
  /** The largest bundle read (certifi's has some 150 CAs in under 300 KiB). */
  public static final int MAX_BYTES = 1024 * 1024;

  private static final String DASHES = "-----";
  private static final String BEGIN = DASHES + "BEGIN ";
  private static final String END = DASHES + "END ";

  public CaBundle {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(origin, "origin");
    certificates = List.copyOf(certificates);
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("a CA bundle holds at least one certificate");
    }
  }

  /** Why a bundle cannot be used, in a sentence naming the file (never its content). */
  public static final class Unusable extends Exception {
    private static final long serialVersionUID = 1L;

    Unusable(String file, String reason) {
      super("cannot use the CA bundle " + file + ": " + reason);
    }
  }

  /**
   * Reads the bundle at {@code path} (relative to the working directory, as Python does).
   *
   * @throws Unusable when the file is missing, unreadable, larger than {@link #MAX_BYTES}, or holds no certificate,
   *                  a broken one, or a block that is not a certificate
   */
  public static CaBundle read(String path, String origin) throws Unusable {
    Path file;
    try {
      file = Path.of(path);
    } catch (InvalidPathException e) {
      throw new Unusable(path, "not a valid file path");
    }
    String text = new String(readBounded(file), StandardCharsets.ISO_8859_1);
    return new CaBundle(file, origin, parse(file, text));
  }

  /** A TLS context trusting exactly these certificates (the JDK's own CAs are not added). */
  public SSLContext sslContext() {
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {trustManager()}, null);
      return tls;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS context from the CA bundle " + file, e);
    }
  }

  /** The JDK's PKIX trust manager over these certificates alone. */
  X509TrustManager trustManager() throws GeneralSecurityException {
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    try {
      anchors.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    for (int i = 0; i < certificates.size(); i++) {
      anchors.setCertificateEntry("ca-" + i, certificates.get(i));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(anchors);
    return (X509TrustManager) factory.getTrustManagers()[0];
  }

  private static byte[] readBounded(Path file) throws Unusable {
    if (Files.isDirectory(file)) {
      throw new Unusable(file.toString(), "it is a directory");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new Unusable(file.toString(), "it is larger than " + MAX_BYTES + " bytes");
      }
      return bytes;
    } catch (NoSuchFileException e) {
      throw new Unusable(file.toString(), "the file does not exist");
    } catch (AccessDeniedException e) {
      throw new Unusable(file.toString(), "the file is not readable (permission denied)");
    } catch (IOException e) {
      throw new Unusable(file.toString(), "cannot read the file (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Reads the PEM blocks line by line (linear in the file's size, whatever it holds). */
  private static List<X509Certificate> parse(Path file, String text) throws Unusable {
    List<X509Certificate> certificates = new ArrayList<>();
    String type = null;
    StringBuilder base64 = new StringBuilder();
    for (String line : text.lines().map(String::strip).toList()) {
      if (type == null && line.startsWith(BEGIN) && line.endsWith(DASHES)) {
        type = line.substring(BEGIN.length(), line.length() - DASHES.length());
        base64.setLength(0);
      } else if (type != null && line.equals(END + type + DASHES)) {
        certificates.add(certificate(file, certificates.size() + 1, type, base64.toString()));
        type = null;
      } else if (type != null && line.startsWith(DASHES)) {
        throw unterminated(file, certificates.size() + 1);
      } else if (type != null) {
        base64.append(line);
      }
    }
    if (type != null) {
      throw unterminated(file, certificates.size() + 1);
    }
    if (certificates.isEmpty()) {
      throw new Unusable(file.toString(), "no certificate in it (expected PEM blocks -----BEGIN CERTIFICATE-----)");
    }
    return certificates;
  }

  private static X509Certificate certificate(Path file, int index, String type, String base64) throws Unusable {
    if (type.endsWith("PRIVATE KEY")) {
      throw new Unusable(file.toString(), "block " + index + " is a private key; give a file of CA certificates "
          + "only (and keep the key away from the router)");
    }
    if (!type.equals("CERTIFICATE")) {
      String named = type.matches("[A-Z0-9 ]{1,40}") ? "of type " + type : "of an unknown type";
      throw new Unusable(file.toString(), "block " + index + " is " + named + ", not CERTIFICATE");
    }
    try {
      byte[] der = Base64.getMimeDecoder().decode(base64);
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
    } catch (IllegalArgumentException | CertificateException e) {
      throw new Unusable(file.toString(), "block " + index + " is not a valid X.509 certificate");
    }
  }

  private static Unusable unterminated(Path file, int index) {
    return new Unusable(file.toString(), "block " + index + " ends without its -----END line");
  }
}
