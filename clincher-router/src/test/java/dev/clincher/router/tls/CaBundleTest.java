package dev.clincher.router.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.router.testing.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a PEM CA bundle: what is trusted, and every way a bad file is refused naming the file, never its content. */
class CaBundleTest {
  static TestCa ca;
  static TestCa otherCa;

  @TempDir
  Path directory;

  @BeforeAll
  static void makeCas() throws Exception {
    ca = TestCa.create("Bundle Test CA");
    otherCa = TestCa.create("Other Test CA");
  }

  @Test
  void readsEveryCertificateOfABundleWithCommentsBetween() throws Exception {
    String first = Files.readString(TestCa.writePem(directory.resolve("a.pem"), ca.certificate()));
    String second = Files.readString(TestCa.writePem(directory.resolve("b.pem"), otherCa.certificate()));
    Path bundle = Files.writeString(directory.resolve("bundle.pem"),
        "# Issuer: CN=Bundle Test CA\n# Label: \"first\"\n" + first + "\n\n# Issuer: CN=Other Test CA\n"
            + second.replace("\n", "\r\n"));

    CaBundle read = CaBundle.read(bundle.toString(), "SSL_CERT_FILE");

    assertThat(read.certificates()).containsExactly(ca.certificate(), otherCa.certificate());
    assertThat(read.file()).isEqualTo(bundle);
    assertThat(read.origin()).isEqualTo("SSL_CERT_FILE");
  }

  @Test
  void trustsExactlyTheBundleAndNotTheJdksCas() throws Exception {
    CaBundle bundle = CaBundle.read(TestCa.writePem(directory.resolve("ca.pem"), ca.certificate()).toString(), "t");

    assertThat(bundle.trustManager().getAcceptedIssuers()).containsExactly(ca.certificate());
    var server = ca.issue("localhost").certificate();
    bundle.trustManager().checkServerTrusted(new java.security.cert.X509Certificate[] {server}, "ECDHE_ECDSA");
    var stranger = otherCa.issue("localhost").certificate();
    assertThatThrownBy(() -> bundle.trustManager()
        .checkServerTrusted(new java.security.cert.X509Certificate[] {stranger}, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class);
    assertThat(bundle.sslContext().getProtocol()).isEqualTo("TLS");
  }

  @Test
  void aSelfSignedServerCertificateIsAcceptedAsATrustAnchor() throws Exception {
    var pinned = TestCa.selfSigned("provider.internal").certificate();
    CaBundle bundle = CaBundle.read(TestCa.writePem(directory.resolve("pin.pem"), pinned).toString(), "t");

    assertThat(pinned.getBasicConstraints()).isEqualTo(-1);
    bundle.trustManager().checkServerTrusted(new java.security.cert.X509Certificate[] {pinned}, "ECDHE_ECDSA");
  }

  @Test
  void aMissingFileIsRefusedNamingIt() {
    Path missing = directory.resolve("missing.pem");
    assertRefused(missing, "cannot use the CA bundle " + missing + ": the file does not exist");
  }

  @Test
  void aDirectoryIsRefused() {
    assertRefused(directory, "cannot use the CA bundle " + directory + ": it is a directory");
  }

  @Test
  void aFileOverTheCapIsRefused() throws Exception {
    String pem = Files.readString(TestCa.writePem(directory.resolve("one.pem"), ca.certificate()));
    Path big = Files.writeString(directory.resolve("big.pem"), pem.repeat(CaBundle.MAX_BYTES / pem.length() + 1));
    assertRefused(big, "it is larger than 1048576 bytes");
  }

  @Test
  void aFileWithoutCertificateIsRefused() throws Exception {
    Path text = Files.writeString(directory.resolve("notes.txt"), "just some notes, hunter2\n");
    assertRefused(text, "no certificate in it (expected PEM blocks -----BEGIN CERTIFICATE-----)");
    assertThatThrownBy(() -> CaBundle.read(text.toString(), "t")).message().doesNotContain("hunter2");
  }

  @Test
  void aDerFileOrRandomBytesAreRefused() throws Exception {
    Path der = Files.write(directory.resolve("ca.der"), ca.certificate().getEncoded());
    assertRefused(der, "no certificate in it");
    byte[] noise = new byte[4096];
    new java.util.Random(7).nextBytes(noise);
    assertRefused(Files.write(directory.resolve("noise.pem"), noise), "no certificate in it");
  }

  @Test
  void garbageInsideACertificateBlockIsRefused() throws Exception {
    Path garbage = Files.writeString(directory.resolve("garbage.pem"),
        "-----BEGIN CERTIFICATE-----\nc2VjcmV0LXNhdWNlIG5vdCBhIGNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n");
    assertRefused(garbage, "cannot use the CA bundle " + garbage + ": block 1 is not a valid X.509 certificate");
    assertThatThrownBy(() -> CaBundle.read(garbage.toString(), "t")).message().doesNotContain("c2VjcmV0");
  }

  @Test
  void aBrokenSecondCertificateIsRefusedByItsPlace() throws Exception {
    String good = Files.readString(TestCa.writePem(directory.resolve("good.pem"), ca.certificate()));
    String base64 = Base64.getEncoder().encodeToString(Arrays.copyOf(ca.certificate().getEncoded(), 100));
    Path file = Files.writeString(directory.resolve("two.pem"),
        good + "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n");
    assertRefused(file, "block 2 is not a valid X.509 certificate");
  }

  @Test
  void aBlockWithoutItsEndLineIsRefused() throws Exception {
    String good = Files.readString(TestCa.writePem(directory.resolve("good.pem"), ca.certificate()));
    Path cut = Files.writeString(directory.resolve("cut.pem"), good.substring(0, good.indexOf("-----END")));
    assertRefused(cut, "block 1 ends without its -----END line");
    Path nested = Files.writeString(directory.resolve("nested.pem"),
        good.substring(0, good.indexOf("-----END")) + good);
    assertRefused(nested, "block 1 ends without its -----END line");
  }

  @Test
  void aPrivateKeyIsRefusedWithoutShowingIt() throws Exception {
    String good = Files.readString(TestCa.writePem(directory.resolve("good.pem"), ca.certificate()));
    Path withKey = Files.writeString(directory.resolve("server.pem"),
        good + "-----BEGIN EC PRIVATE KEY-----\nTUlJQ0tleVNlY3JldA==\n-----END EC PRIVATE KEY-----\n");
    assertRefused(withKey, "block 2 is a private key; give a file of CA certificates only");
    assertThatThrownBy(() -> CaBundle.read(withKey.toString(), "t")).message().doesNotContain("TUlJQ0tleVNlY3JldA");
  }

  @Test
  void anotherKindOfBlockIsRefusedByItsType() throws Exception {
    Path crl = Files.writeString(directory.resolve("crl.pem"), "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
    assertRefused(crl, "block 1 is of type X509 CRL, not CERTIFICATE");
  }

  @Test
  void anInvalidPathIsRefused() {
    assertThatThrownBy(() -> CaBundle.read("bad\0path", "t")).isInstanceOf(CaBundle.Unusable.class)
        .hasMessageEndingWith(": not a valid file path");
  }

  private static void assertRefused(Path file, String reason) {
    assertThatThrownBy(() -> CaBundle.read(file.toString(), "SSL_CERT_FILE"))
        .isInstanceOf(CaBundle.Unusable.class)
        .hasMessageStartingWith("cannot use the CA bundle " + file + ": ")
        .hasMessageContaining(reason);
  }
}
