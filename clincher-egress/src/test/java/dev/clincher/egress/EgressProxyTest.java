package dev.clincher.egress;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.clincher.egress.address.StaticHostResolver;
import dev.clincher.egress.proxy.ProxyLimits;
import dev.clincher.egress.testing.RawProxyClient;
import dev.clincher.egress.testing.TestTls;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy end to end with real clients (curl and the JDK's HttpClient) against real TLS and plain servers on
 * loopback, opened with {@code --allow-range=127.0.0.0/8}; names resolve through a static table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class EgressProxyTest {
  static final String ACL = """
      version: v1
      services:
        - name: router
          project: llm
          action: enforce
          allowed_domains: ["only-router.test"]
      default:
        name: default
        project: tests
        action: enforce
        allowed_domains:
          - "*.allowed.test"
          - "plain.test"
      global_deny_list: ["blocked.test"]
      """;
  static final byte[] BIG = new byte[48 * 1024 * 1024];

  Path directory;

  HttpsServer tlsServer;
  HttpServer plainServer;
  TestTls tls;
  EgressServer proxy;
  EgressServer plainProxy;

  @BeforeAll
  void start(@TempDir Path temporary) throws Exception {
    directory = temporary;
    new Random(1).nextBytes(BIG);
    tls = TestTls.forName("api.allowed.test", directory);
    tlsServer = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    tlsServer.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext()));
    tlsServer.createContext("/hello", exchange -> respond(exchange, "hello through the tunnel\n".getBytes()));
    tlsServer.createContext("/big", exchange -> respond(exchange, BIG));
    tlsServer.start();
    plainServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    plainServer.createContext("/", exchange -> respond(exchange,
        ("plain " + exchange.getRequestMethod() + " " + exchange.getRequestURI() + " host="
            + exchange.getRequestHeaders().getFirst("Host")).getBytes()));
    plainServer.start();

    Path aclFile = directory.resolve("acl.yaml");
    Files.writeString(aclFile, ACL);
    proxy = EgressServer.start(settings(aclFile, false), resolver());
    plainProxy = EgressServer.start(settings(aclFile, true), resolver());
  }

  @AfterAll
  void stop() {
    proxy.close();
    plainProxy.close();
    tlsServer.stop(0);
    plainServer.stop(0);
  }

  static EgressSettings settings(Path aclFile, boolean plainHttp) {
    ProxyLimits limits = new ProxyLimits(8192, 100, Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofSeconds(30), Duration.ofMinutes(5), 64, 64 * 1024);
    return new EgressSettings("127.0.0.1", 0, Optional.of(aclFile), List.of(), List.of("127.0.0.0/8"), List.of(),
        List.of(), List.of(), plainHttp, limits, Duration.ofMillis(100),
        Optional.of(metricsTokenFile(aclFile.getParent())));
  }

  /** The metrics token the test proxies are started with ({@code --metrics-token-file}). */
  static final String METRICS_TOKEN = "egress-metrics-token-7c6b5a4d3e";

  static Path metricsTokenFile(Path directory) {
    try {
      return Files.writeString(directory.resolve("metrics.token"), METRICS_TOKEN + "\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static StaticHostResolver resolver() throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    return new StaticHostResolver(Map.of(
        "api.allowed.test", List.of(loopback),
        "blocked.test", List.of(loopback),
        "plain.test", List.of(loopback),
        "only-router.test", List.of(loopback)));
  }

  static void respond(com.sun.net.httpserver.HttpExchange exchange, byte[] body) throws java.io.IOException {
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  String proxyUrl(EgressServer server) {
    return "http://127.0.0.1:" + server.address().getPort();
  }

  String tlsUrl(String path) {
    return "https://api.allowed.test:" + tlsServer.getAddress().getPort() + path;
  }

  static ProcessResult curl(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "30"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
    byte[] out = process.getInputStream().readAllBytes();
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new ProcessResult(process.exitValue(), out, err);
  }

  record ProcessResult(int exit, byte[] out, String err) {
    String text() {
      return new String(out, StandardCharsets.UTF_8);
    }
  }

  @Test
  void curlReachesAnAllowedTlsServerThroughTheTunnel() throws Exception {
    ProcessResult result = curl("-x", proxyUrl(proxy), "--cacert", tls.caPem().toString(), tlsUrl("/hello"));
    assertThat(result.err()).isEmpty();
    assertThat(result.exit()).isZero();
    assertThat(result.text()).isEqualTo("hello through the tunnel\n");
  }

  @Test
  void curlCarriesALargeTransferIntact() throws Exception {
    ProcessResult result = curl("-x", proxyUrl(proxy), "--cacert", tls.caPem().toString(), tlsUrl("/big"));
    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(MessageDigest.getInstance("SHA-256").digest(result.out()))
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(BIG));
  }

  @Test
  void curlIsRefusedForADomainOutsideTheAllowlist() throws Exception {
    ProcessResult result = curl("-x", proxyUrl(proxy), "-o", "/dev/null", "-w", "%{http_connect}",
        "https://evil.example:443/");
    assertThat(result.exit()).isNotZero();
    assertThat(result.text()).isEqualTo("403");
  }

  @Test
  void javaHttpClientWorksThroughTheProxy() throws Exception {
    HttpClient client = HttpClient.newBuilder()
        .proxy(ProxySelector.of(proxy.address()))
        .sslContext(tls.clientContext())
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(tlsUrl("/hello"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello through the tunnel\n");

    HttpResponse<byte[]> big = client.send(HttpRequest.newBuilder(URI.create(tlsUrl("/big"))).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(MessageDigest.getInstance("SHA-256").digest(big.body()))
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(BIG));
  }

  @Test
  void deniedConnectNamesTheReasonInHeaderAndBody() throws Exception {
    int port = tlsServer.getAddress().getPort();
    RawProxyClient.Answer answer = RawProxyClient.send(proxy.address(),
        "CONNECT blocked.test:" + port + " HTTP/1.1\r\nHost: blocked.test:" + port + "\r\n\r\n");
    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.header("X-Clincher-Error")).isEqualTo("global_deny");
    assertThat(curl("-w", "%{http_code}", "-o", "/dev/null", proxyUrl(proxy) + "/refusals/recent").text())
        .as("behind the metrics token").isEqualTo("401");
    ProcessResult recent = curl("-H", "Authorization: Bearer " + METRICS_TOKEN, proxyUrl(proxy) + "/refusals/recent");
    assertThat(recent.text()).contains("\"host\":\"blocked.test\"").contains("\"reason\":\"global_deny\"");
  }

  @Test
  void plainHttpIsRefusedUnlessEnabled() throws Exception {
    String url = "http://plain.test:" + plainServer.getAddress().getPort() + "/path?q=1";
    ProcessResult refused = curl("-x", proxyUrl(proxy), "-o", "/dev/null", "-w", "%{http_code}", url);
    assertThat(refused.text()).isEqualTo("403");

    ProcessResult forwarded = curl("-x", proxyUrl(plainProxy), url);
    assertThat(forwarded.exit()).as(forwarded.err()).isZero();
    assertThat(forwarded.text()).isEqualTo("plain GET /path?q=1 host=plain.test:" + plainServer.getAddress().getPort());
  }

  @Test
  void clientsFromAMappedBlockUseTheirRole() throws Exception {
    Path aclFile = directory.resolve("roles.yaml");
    Files.writeString(aclFile, ACL);
    EgressSettings base = settings(aclFile, false);
    EgressSettings withRoles = new EgressSettings(base.listenIp(), 0, base.aclFile(), base.denyRanges(),
        base.allowRanges(), base.denyAddresses(), base.allowAddresses(),
        List.of(dev.clincher.egress.decision.ClientRoles.parseMapping("127.0.0.0/8=router")), false, base.limits(),
        base.aclPollInterval(), Optional.empty());
    try (EgressServer routerProxy = EgressServer.start(withRoles, resolver())) {
      int port = tlsServer.getAddress().getPort();
      RawProxyClient.Answer router = RawProxyClient.send(routerProxy.address(),
          "CONNECT only-router.test:" + port + " HTTP/1.1\r\nHost: only-router.test:" + port + "\r\n\r\n");
      assertThat(router.status()).isEqualTo(200);
      RawProxyClient.Answer defaultRole = RawProxyClient.send(proxy.address(),
          "CONNECT only-router.test:" + port + " HTTP/1.1\r\nHost: only-router.test:" + port + "\r\n\r\n");
      assertThat(defaultRole.status()).isEqualTo(403);
    }
  }

  @Test
  void healthAndMetricsAreServedOnTheProxyPort() throws Exception {
    ProcessResult live = curl(proxyUrl(proxy) + "/health/liveliness");
    assertThat(live.exit()).isZero();
    ProcessResult ready = curl("-w", "%{http_code}", "-o", "/dev/null", proxyUrl(proxy) + "/health/readiness");
    assertThat(ready.text()).isEqualTo("200");
    curl("-x", proxyUrl(proxy), "--cacert", tls.caPem().toString(), tlsUrl("/hello"));
    assertThat(curl("-w", "%{http_code}", "-o", "/dev/null", proxyUrl(proxy) + "/metrics").text())
        .as("no metrics token").isEqualTo("401");
    assertThat(curl("-w", "%{http_code}", "-o", "/dev/null", "-H", "Authorization: Bearer wrong",
        proxyUrl(proxy) + "/metrics").text()).as("a wrong metrics token").isEqualTo("401");
    ProcessResult metrics = curl("-H", "Authorization: Bearer " + METRICS_TOKEN, proxyUrl(proxy) + "/metrics");
    assertThat(metrics.text())
        .contains("clincher_egress_decisions_total{")
        .contains("clincher_egress_tunnels_open")
        .contains("clincher_egress_tunnel_bytes_total{")
        .contains("clincher_egress_connect_duration_seconds_count");
  }

  @Test
  void earlyClientBytesAfterTheHeadReachTheUpstream() throws Exception {
    try (java.net.ServerSocket echo = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual().start(() -> {
        try (Socket socket = echo.accept()) {
          socket.getOutputStream().write(socket.getInputStream().readNBytes(5));
        } catch (Exception ignored) {
          // the assertion below fails instead
        }
      });
      try (Socket socket = new Socket(proxy.address().getAddress(), proxy.address().getPort())) {
        socket.setSoTimeout(10_000);
        String target = "api.allowed.test:" + echo.getLocalPort();
        socket.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\nearly")
            .getBytes(StandardCharsets.US_ASCII));
        assertThat(RawProxyClient.readAnswer(socket.getInputStream()).status()).isEqualTo(200);
        assertThat(new String(socket.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("early");
      }
    }
  }
}
