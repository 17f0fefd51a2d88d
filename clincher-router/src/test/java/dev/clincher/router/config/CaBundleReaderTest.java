package dev.clincher.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import dev.clincher.router.testing.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code litellm_settings.ssl_verify} and {@code SSL_CERT_FILE}: which CA bundle the config names, or why it fails. */
class CaBundleReaderTest {
  /** The CA a config file's bundle holds, and the one {@code SSL_CERT_FILE}'s holds. */
  static X509Certificate configCa;
  static X509Certificate envCa;

  @TempDir
  Path directory;

  @BeforeAll
  static void makeCas() throws Exception {
    configCa = TestCa.create("Config Test CA").certificate();
    envCa = TestCa.create("Env Test CA").certificate();
  }

  @Test
  void withNeitherTheJdksCasAreTrustedAndNothingIsReported() throws Exception {
    RouterConfig config = read("litellm_settings:\n  ssl_verify: true\n", Map.of());

    assertThat(config.caBundle()).isEmpty();
    assertThat(config.notices()).noneSatisfy(line -> assertThat(line).contains("ssl_verify"));
    assertThat(read("model_list: []\n", Map.of("SSL_CERT_FILE", " ")).caBundle()).isEmpty();
  }

  @Test
  void sslCertFileNamesTheBundle() throws Exception {
    Path bundle = TestCa.writePem(directory.resolve("env.pem"), envCa);

    RouterConfig config = read("model_list: []\n", Map.of("SSL_CERT_FILE", bundle.toString()));

    assertThat(config.caBundle()).hasValueSatisfying(found -> {
      assertThat(found.origin()).isEqualTo("SSL_CERT_FILE");
      assertThat(found.file()).isEqualTo(bundle);
      assertThat(found.certificates()).containsExactly(envCa);
    });
    assertThat(read("litellm_settings:\n  ssl_verify: true\n", Map.of("SSL_CERT_FILE", bundle.toString()))
        .caBundle()).isPresent();
  }

  @Test
  void anSslVerifyPathWinsOverSslCertFile() throws Exception {
    Path bundle = TestCa.writePem(directory.resolve("config.pem"), configCa);

    RouterConfig config = read("litellm_settings:\n  ssl_verify: " + bundle + "\n",
        Map.of("SSL_CERT_FILE", directory.resolve("absent.pem").toString()));

    assertThat(config.caBundle()).hasValueSatisfying(found -> {
      assertThat(found.origin()).isEqualTo("litellm_settings.ssl_verify");
      assertThat(found.certificates()).containsExactly(configCa);
    });
  }

  @Test
  void anSslVerifyPathMayComeFromTheEnvironment() throws Exception {
    Path bundle = TestCa.writePem(directory.resolve("ref.pem"), configCa);

    RouterConfig config = read("litellm_settings:\n  ssl_verify: os.environ/CORPORATE_CA\n",
        Map.of("CORPORATE_CA", bundle.toString()));

    assertThat(config.caBundle().orElseThrow().file()).isEqualTo(bundle);
  }

  @Test
  void sslVerifyFalseIsRefusedNamingTheKey() {
    for (String value : new String[] {"false", "False", "\"false\""}) {
      assertThatThrownBy(() -> read("litellm_settings:\n  ssl_verify: " + value + "\n", Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessage("c.yaml: litellm_settings.ssl_verify: TLS verification cannot be turned off; give a CA bundle "
              + "path instead");
    }
  }

  @Test
  void anEmptySslVerifyIsRefused() {
    assertThatThrownBy(() -> read("litellm_settings:\n  ssl_verify: \"\"\n", Map.of()))
        .hasMessage("c.yaml: litellm_settings.ssl_verify: expected true or the path of a CA bundle (PEM)");
  }

  @Test
  void anUnusableBundleNamesTheKeyOrTheVariableAndTheFile() throws Exception {
    Path missing = directory.resolve("missing.pem");
    assertThatThrownBy(() -> read("litellm_settings:\n  ssl_verify: " + missing + "\n", Map.of()))
        .hasMessage("c.yaml: litellm_settings.ssl_verify: cannot use the CA bundle " + missing
            + ": the file does not exist");

    Path garbage = Files.writeString(directory.resolve("garbage.pem"), "not a bundle\n");
    assertThatThrownBy(() -> read("model_list: []\n", Map.of("SSL_CERT_FILE", garbage.toString())))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.source()).isEqualTo("SSL_CERT_FILE"))
        .hasMessage("SSL_CERT_FILE: cannot use the CA bundle " + garbage
            + ": no certificate in it (expected PEM blocks -----BEGIN CERTIFICATE-----)");
  }

  private static RouterConfig read(String yaml, Map<String, String> env) throws ConfigException {
    Map<String, String> withKey = new HashMap<>(env);
    withKey.put("LITELLM_MASTER_KEY", "sk-master");
    return RouterConfigReader.parse("c.yaml", yaml, withKey);
  }
}
