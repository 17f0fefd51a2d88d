package dev.clincher.router.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.testing.LogCapture;
import dev.clincher.egress.EgressServer;
import dev.clincher.router.RouterServer;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TestCa;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider TLS against a CA made at test time, over real TLS connections: with the CA bundle ({@code SSL_CERT_FILE}
 * or {@code litellm_settings.ssl_verify}) the router reaches fake providers whose certificates the CA issued, directly
 * and through a real egress tunnel under a provider-like name; without it, or for a certificate naming another host,
 * or issued by a CA outside the bundle, the call fails before any request is sent. Bad settings stop the start.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ProviderTrustTest {
  Path directory;
  TestCa ca;
  Path bundle;
  FakeUpstream trusted;
  FakeUpstream otherHost;
  FakeUpstream otherCa;
  FakeUpstream pinned;
  FakeUpstream named;
  EgressServer egress;
  RunningRouter router;
  String startLog;

  @BeforeAll
  void start(@TempDir Path temporary) throws Exception {
    directory = temporary;
    ca = TestCa.create("Clincher Test CA");
    TestCa.Issued selfSigned = TestCa.selfSigned("localhost");
    bundle = TestCa.writePem(directory.resolve("ca-bundle.pem"), ca.certificate(), selfSigned.certificate());
    trusted = FakeUpstream.startTls(ca.issue("localhost").serverContext());
    otherHost = FakeUpstream.startTls(ca.issue("api.openai.com").serverContext());
    otherCa = FakeUpstream.startTls(TestCa.create("Stranger CA").issue("localhost").serverContext());
    pinned = FakeUpstream.startTls(selfSigned.serverContext());
    named = FakeUpstream.startTls(ca.issue("api.allowed.test").serverContext());
    egress = EgressRoutingTest.startEgress(directory, "api.allowed.test");
    String proxy = "http://127.0.0.1:" + egress.address().getPort();
    try (LogCapture logs = new LogCapture()) {
      router = RunningRouter.start(directory, config(""), Map.of("SSL_CERT_FILE", bundle.toString(),
          "HTTPS_PROXY", proxy, "NO_PROXY", "localhost"));
      startLog = logs.text();
    }
  }

  String config(String litellmSettings) {
    return """
        model_list:
          - model_name: trusted
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: other-host
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: other-ca
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: pinned
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
          - model_name: named
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
        """.formatted(trusted.httpsBase("localhost"), otherHost.httpsBase("localhost"),
        otherCa.httpsBase("localhost"), pinned.httpsBase("localhost"), named.httpsBase("api.allowed.test"))
        + litellmSettings;
  }

  @AfterAll
  void stop() throws Exception {
    router.close();
    egress.close();
    for (FakeUpstream fake : List.of(trusted, otherHost, otherCa, pinned, named)) {
      fake.close();
    }
  }

  @Test
  void withTheBundleTheChatCallReachesTheProvider() throws Exception {
    HttpResponse<String> response = chat(router, "trusted");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("chat.completion");
    assertThat(trusted.calls()).last().satisfies(call ->
        assertThat(call.header("authorization")).isEqualTo("Bearer " + RunningRouter.PROVIDER_KEY));
  }

  @Test
  void aProviderNamedLikeAPublicOneIsReachedThroughTheEgressTunnel() throws Exception {
    HttpResponse<String> response = chat(router, "named");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(named.calls()).last().satisfies(call -> assertThat(call.header("host")).startsWith("api.allowed.test"));
  }

  @Test
  void aSelfSignedServerCertificateInTheBundleIsTrusted() throws Exception {
    assertThat(chat(router, "pinned").statusCode()).isEqualTo(200);
  }

  @Test
  void aCertificateForAnotherHostFailsEvenWithTheBundle() throws Exception {
    assertTlsRefused(chat(router, "other-host"));
    assertThat(otherHost.calls()).isEmpty();
  }

  @Test
  void aCaOutsideTheBundleIsNotTrusted() throws Exception {
    assertTlsRefused(chat(router, "other-ca"));
    assertThat(otherCa.calls()).isEmpty();
  }

  @Test
  void withoutTheBundleTheJdksDefaultCasRefuseTheProvider() throws Exception {
    int before = trusted.calls().size();
    try (RunningRouter jdkTrust = RunningRouter.start(directory, config(""), Map.of())) {
      assertTlsRefused(chat(jdkTrust, "trusted"));
    }
    assertThat(trusted.calls()).hasSize(before);
  }

  @Test
  void anSslVerifyPathTrustsTheBundleAndWinsOverSslCertFile() throws Exception {
    Path absent = directory.resolve("absent.pem");
    try (RunningRouter configured = RunningRouter.start(directory,
        config("litellm_settings:\n  ssl_verify: \"" + bundle + "\"\n"), Map.of("SSL_CERT_FILE", absent.toString()))) {
      assertThat(chat(configured, "trusted").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void sslVerifyFalseIsRefusedAtStart() {
    assertThatThrownBy(() -> RouterServer.start(RunningRouter.settings(directory,
        config("litellm_settings:\n  ssl_verify: false\n"), Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageEndingWith(": litellm_settings.ssl_verify: TLS verification cannot be turned off; give a CA bundle "
            + "path instead");
  }

  @Test
  void aGarbageBundleIsRefusedAtStartNamingTheFile() throws Exception {
    byte[] noise = new byte[2048];
    new java.util.Random(42).nextBytes(noise);
    Path garbage = Files.write(directory.resolve("garbage.pem"), noise);

    assertThatThrownBy(() -> RouterServer.start(RunningRouter.settings(directory, config(""),
        Map.of("SSL_CERT_FILE", garbage.toString()))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("SSL_CERT_FILE: cannot use the CA bundle " + garbage + ": no certificate in it");
  }

  @Test
  void theStartLogSaysOnceWhatIsTrustedAndNeverShowsTheBundle() throws Exception {
    List<String> lines = startLog.lines().filter(line -> line.contains("\"router.provider.trust\"")).toList();

    assertThat(lines).singleElement().satisfies(line -> assertThat(line)
        .contains("\"from\":\"SSL_CERT_FILE\"", "\"path\":\"" + bundle + "\"", "\"ca_certificates\":2"));
    String certificate = Base64.getEncoder().encodeToString(ca.certificate().getEncoded());
    assertThat(startLog).doesNotContain("BEGIN CERTIFICATE").doesNotContain(certificate.substring(40, 80));
  }

  static HttpResponse<String> chat(RunningRouter router, String model) throws Exception {
    return router.post("/v1/chat/completions", EgressRoutingTest.chat(model, false));
  }

  /** A 502 connection error naming the TLS handshake, not an answer of the provider. */
  static void assertTlsRefused(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
    assertThat(response.body()).contains("api_connection_error", "SSLHandshakeException");
  }
}
