package dev.clincher.router.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time (EC P-256, valid for a day): its certificate as PEM for
 * {@code SSL_CERT_FILE}, and server TLS contexts with certificates it issued for a host name. Also self-signed server
 * certificates, which are not a CA's.
 */
public final class TestCa {
  /** A server certificate and the TLS context presenting it (for {@link FakeUpstream#startTls}). */
  public record Issued(X509Certificate certificate, SSLContext serverContext) {}

  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());
  private static final char[] PASSWORD = "test".toCharArray();

  private final X500Name name;
  private final KeyPair keys;
  private final X509Certificate certificate;

  private TestCa(X500Name name, KeyPair keys, X509Certificate certificate) {
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A new CA named {@code CN=<commonName>}. */
  public static TestCa create(String commonName) throws GeneralSecurityException {
    X500Name name = new X500Name("CN=" + commonName);
    KeyPair keys = newKeys();
    return new TestCa(name, keys, sign(extensions(builder(name, name, keys), null), keys));
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** A server certificate for {@code dnsName} signed by this CA. */
  public Issued issue(String dnsName) throws GeneralSecurityException {
    KeyPair serverKeys = newKeys();
    return server(sign(extensions(builder(name, new X500Name("CN=" + dnsName), serverKeys), dnsName), keys),
        serverKeys);
  }

  /** A self-signed server certificate for {@code dnsName} (not a CA: no CA basic constraint, no cert signing). */
  public static Issued selfSigned(String dnsName) throws GeneralSecurityException {
    KeyPair serverKeys = newKeys();
    X500Name subject = new X500Name("CN=" + dnsName);
    return server(sign(extensions(builder(subject, subject, serverKeys), dnsName), serverKeys), serverKeys);
  }

  /** Writes {@code certificates} as one PEM bundle to {@code file}. */
  public static Path writePem(Path file, X509Certificate... certificates) throws IOException {
    StringWriter pem = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
      for (X509Certificate each : certificates) {
        writer.writeObject(each);
      }
    }
    return Files.writeString(file, pem.toString(), StandardCharsets.US_ASCII);
  }

  private static Issued server(X509Certificate certificate, KeyPair serverKeys) throws GeneralSecurityException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", serverKeys.getPrivate(), PASSWORD, new X509Certificate[] {certificate});
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(store, PASSWORD);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(), null, null);
      return new Issued(certificate, context);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIALS.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
        subjectKeys.getPublic());
  }

  /** A CA's extensions when {@code dnsName} is null, else a server's for that name. */
  private static X509v3CertificateBuilder extensions(X509v3CertificateBuilder builder, String dnsName)
      throws GeneralSecurityException {
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(dnsName == null));
      return dnsName == null
          ? builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          : builder.addExtension(Extension.subjectAlternativeName, false,
              new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)));
    } catch (CertIOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }
}
