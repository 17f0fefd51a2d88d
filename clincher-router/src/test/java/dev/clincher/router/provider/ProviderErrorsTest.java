package dev.clincher.router.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.common.testing.LogCapture;
import dev.clincher.egress.EgressServer;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Hang;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.SelfSignedTls;
import dev.clincher.router.testing.WireAssertions;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider that cannot be reached is answered with the cause class in the error's {@code code} and message, and in
 * the {@code router.attempt.failed} log line: each cause made real on loopback (a name that does not resolve, a
 * closed port, an untrusted certificate, a provider answering 401, one that never answers, a real egress refusing the
 * CONNECT and the plain-HTTP request). Retries show in {@code router.request}'s {@code attempts}; a group whose
 * every deployment cools down makes readiness fail, naming the group and the cause.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ProviderErrorsTest {
  Path directory;
  FakeUpstream tls;
  FakeUpstream rejecting;
  FakeUpstream silent;
  EgressServer egress;
  RunningRouter router;
  int closedPort;

  @BeforeAll
  void start(@TempDir Path temporary) throws Exception {
    directory = temporary;
    tls = FakeUpstream.startTls(SelfSignedTls.forHost("localhost", directory).serverContext());
    rejecting = FakeUpstream.start();
    rejecting.setDefault(new Json(401, Map.of(), OpenAiWire.error("Incorrect API key provided", "invalid_request_error",
        "invalid_api_key")));
    silent = FakeUpstream.start();
    silent.setDefault(new Hang(Duration.ofSeconds(10)));
    closedPort = closedPort();
    egress = EgressRoutingTest.startEgress(directory, "api.denied.test", "plain.denied.test");
    String proxy = "http://127.0.0.1:" + egress.address().getPort();
    // The router trusts the JDK's CAs only, so the fake's self-signed certificate is refused.
    router = RunningRouter.start(directory, """
        model_list:
          - {model_name: dns, litellm_params: {model: openai/m, api_base: "http://no-such-host.invalid:9/v1"}}
          - {model_name: refused, litellm_params: {model: openai/m, api_base: "http://127.0.0.1:%d/v1"}}
          - {model_name: untrusted, litellm_params: {model: openai/m, api_base: "https://localhost:%d/v1"}}
          - {model_name: rejected, litellm_params: {model: openai/m, api_base: "%s", api_key: os.environ/FAKE_API_KEY}}
          - {model_name: silent, litellm_params: {model: openai/m, api_base: "%s", timeout: 1}}
          - {model_name: denied, litellm_params: {model: openai/m, api_base: "https://api.denied.test:443/v1"}}
          - {model_name: denied-plain, litellm_params: {model: openai/m, api_base: "http://plain.denied.test:80/v1"}}
        router_settings: {num_retries: 1, disable_cooldowns: true}
        """.formatted(closedPort, tls.port(), rejecting.apiBase(), silent.apiBase()),
        Map.of("HTTPS_PROXY", proxy, "HTTP_PROXY", proxy, "NO_PROXY", "localhost,127.0.0.1,no-such-host.invalid",
            "DATABASE_URL", "sqlite:///" + directory.resolve("router-keys.db")));
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable part : new AutoCloseable[] {router, egress, tls, rejecting, silent}) {
      if (part != null) {
        part.close();
      }
    }
  }

  @Test
  void aNameThatDoesNotResolveIsADnsFailure() throws Exception {
    JsonNode error = refused("dns", 502, "api_connection_error", "dns_failure");
    assertThat(error.path("message").asText())
        .isEqualTo("deployment dns#0 could not be reached: the provider's host name could not be resolved (DNS)");
  }

  @Test
  void aClosedPortIsConnectionRefused() throws Exception {
    assertThat(refused("refused", 502, "api_connection_error", "connection_refused").path("message").asText())
        .contains("refused the connection").doesNotContain(String.valueOf(closedPort));
  }

  @Test
  void anUntrustedCertificateIsATlsFailure() throws Exception {
    assertThat(refused("untrusted", 502, "api_connection_error", "tls_failure").path("message").asText())
        .contains("TLS handshake", "certificate is not trusted", "SSL_CERT_FILE");
    assertThat(tls.calls()).isEmpty();
  }

  @Test
  void a401FromTheProviderSaysSoWithoutTheKey() throws Exception {
    HttpResponse<String> response = chat("rejected");
    assertThat(response.statusCode()).isEqualTo(401);
    JsonNode error = WireAssertions.assertOpenAiError(response.body(), "authentication_error", "upstream_auth_failed");
    assertThat(error.path("message").asText()).contains("rejected the router's credentials", "HTTP 401",
        "api_key");
    assertThat(response.body()).doesNotContain(RunningRouter.PROVIDER_KEY);
  }

  @Test
  void aProviderThatNeverAnswersTimesOut() throws Exception {
    assertThat(refused("silent", 504, "timeout", "timeout").path("message").asText())
        .contains("the provider did not answer"); // within the deployment's 1 s (the router's wait or Jetty's)
  }

  @Test
  void theEgressRefusingTheTunnelIsNamedWithItsReason() throws Exception {
    assertThat(refused("denied", 502, "api_connection_error", "egress_refused").path("message").asText())
        .isEqualTo("deployment denied#5 could not be reached: the egress proxy refused the connection "
            + "(HTTP 403, reason not_in_allowlist)");
  }

  @Test
  void theEgressRefusingAPlainHttpCallIsNamedWithItsReason() throws Exception {
    assertThat(refused("denied-plain", 502, "api_connection_error", "egress_refused").path("message").asText())
        .contains("the egress proxy refused the connection (HTTP 403, reason not_in_allowlist)");
  }

  @Test
  void theLogsSayTheCauseOfEveryAttemptAndCountThem() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      assertThat(chat("dns").statusCode()).isEqualTo(502);
      List<String> attempts = lines(logs, "\"router.attempt.failed\"");
      assertThat(attempts).hasSize(2).allSatisfy(line -> assertThat(line)
          .contains("\"error_code\":\"dns_failure\"", "could not be resolved (DNS)"));
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (lines(logs, "\"router.request\"").isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20); // the request line is written once the answer is out
      }
      assertThat(lines(logs, "\"router.request\"")).singleElement()
          .satisfies(line -> assertThat(line).contains("\"attempts\":2", "\"status\":502"));
    }
  }

  @Test
  void theKeyDatabaseIsReadableByItsOwnerOnly() throws Exception {
    assertThat(Files.getPosixFilePermissions(directory.resolve("router-keys.db")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void readinessFailsWhileEveryDeploymentOfAGroupCoolsDown(@TempDir Path own) throws Exception {
    try (RunningRouter cooling = RunningRouter.start(own, """
        model_list:
          - {model_name: cold, litellm_params: {model: openai/m, api_base: "http://127.0.0.1:%d/v1"}}
          - {model_name: warm, litellm_params: {model: openai/m, api_base: "%s"}}
        router_settings: {num_retries: 0, allowed_fails: 1, cooldown_time: 60}
        """.formatted(closedPort, rejecting.apiBase()), Map.of())) {
      assertThat(cooling.get("/health/readiness").statusCode()).isEqualTo(200);
      assertThat(cooling.post("/v1/chat/completions", EgressRoutingTest.chat("cold", false)).statusCode())
          .isEqualTo(502);
      HttpResponse<String> readiness = cooling.get("/health/readiness");
      assertThat(readiness.statusCode()).isEqualTo(503);
      assertThat(readiness.body()).contains("every deployment cooling down: cold (cold#0: connection_refused)")
          .doesNotContain("warm (");
    }
  }

  private JsonNode refused(String model, int status, String type, String code) throws Exception {
    HttpResponse<String> response = chat(model);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return WireAssertions.assertOpenAiError(response.body(), type, code);
  }

  private HttpResponse<String> chat(String model) throws Exception {
    return router.post("/v1/chat/completions", EgressRoutingTest.chat(model, false));
  }

  private static List<String> lines(LogCapture logs, String event) {
    return logs.text().lines().filter(line -> line.contains(event)).toList();
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
