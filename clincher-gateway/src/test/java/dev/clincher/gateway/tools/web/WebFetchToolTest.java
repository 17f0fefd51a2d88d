package dev.clincher.gateway.tools.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import dev.clincher.egress.address.StaticHostResolver;
import dev.clincher.egress.proxy.ProxyLimits;
import dev.clincher.gateway.tools.ToolContext;
import dev.clincher.gateway.tools.ToolResult;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * web_fetch end to end through a real clincher egress proxy (in-process, plain HTTP forwarding on, names resolved by
 * a static table to a loopback server).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class WebFetchToolTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ToolContext CONTEXT = new ToolContext("main", "s1", "r1", () -> {
    throw new UnsupportedOperationException("web_fetch needs no sandbox");
  }, (type, data) -> 0L);
  static final String ACL = """
      version: v1
      services: []
      default:
        name: default
        project: tests
        action: enforce
        allowed_domains: ["site.test", "*.site.test"]
      """;
  static final String PAGE = """
      <!doctype html><html><head><title>Hello page</title><style>body{color:red}</style>
      <script>var secret = "script text";</script></head>
      <body><h1>Welcome</h1><p>First paragraph.</p><div hidden>hidden text</div>
      <ul><li>one</li><li>two</li></ul><noscript>noscript text</noscript></body></html>
      """;

  HttpServer server;
  HttpsServer tlsServer;
  SSLContext serverTls;
  SSLContext clientTls;
  EgressServer egress;
  WebFetchTool tool;
  final AtomicInteger hits = new AtomicInteger();

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::route);
    server.start();
    startTls(directory);
    Path acl = directory.resolve("acl.yaml");
    Files.writeString(acl, ACL);
    ProxyLimits limits = new ProxyLimits(8192, 100, Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofSeconds(30), Duration.ofMinutes(5), 64, 64 * 1024);
    EgressSettings settings = new EgressSettings("127.0.0.1", 0, Optional.of(acl), List.of(),
        List.of("127.0.0.0/8"), List.of(), List.of(), List.of(), true, limits, Duration.ofSeconds(1),
        Optional.empty());
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    InetAddress metadata = InetAddress.getByName("169.254.169.254");
    egress = EgressServer.start(settings, new StaticHostResolver(Map.of(
        "site.test", List.of(loopback),
        "www.site.test", List.of(loopback),
        "blocked.test", List.of(loopback),
        "metadata.site.test", List.of(metadata))));
    tool = new WebFetchTool(settings(proxy(), 64 * 1024, Duration.ofSeconds(3)), clientTls);
  }

  @AfterAll
  void stop() {
    tool.close();
    egress.close();
    server.stop(0);
    tlsServer.stop(0);
  }

  /** An HTTPS server for site.test with a fresh self-signed certificate made by the JDK's keytool. */
  void startTls(Path directory) throws Exception {
    Path keyStoreFile = directory.resolve("site.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "site", "-keyalg", "EC", "-dname", "CN=site.test", "-ext", "SAN=dns:site.test",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStoreFile.toString(), "-storepass", "testpass")
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor()).as(output).isZero();
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keyStoreFile)) {
      keyStore.load(in, "testpass".toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(keyStore, "testpass".toCharArray());
    serverTls = SSLContext.getInstance("TLS");
    serverTls.init(keys.getKeyManagers(), null, null);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(keyStore);
    clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, trust.getTrustManagers(), null);
    tlsServer = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    tlsServer.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    tlsServer.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    tlsServer.createContext("/", this::route);
    tlsServer.start();
  }

  Optional<InetSocketAddress> proxy() {
    return Optional.of(InetSocketAddress.createUnresolved("127.0.0.1", egress.address().getPort()));
  }

  static WebFetchSettings settings(Optional<InetSocketAddress> proxy, int maxBytes, Duration timeout) {
    return new WebFetchSettings(proxy, proxy, false, maxBytes, 20_000, 100_000, timeout, 3);
  }

  String url(String host, String path) {
    return "http://" + host + ":" + server.getAddress().getPort() + path;
  }

  ToolResult fetch(WebFetchTool with, String url) throws InterruptedException {
    return with.call(CONTEXT, JSON.createObjectNode().put("url", url));
  }

  ToolResult fetch(String url) throws InterruptedException {
    return fetch(tool, url);
  }

  void route(HttpExchange exchange) throws IOException {
    hits.incrementAndGet();
    String path = exchange.getRequestURI().getPath();
    int port = server.getAddress().getPort();
    switch (path) {
      case "/page.html" -> respond(exchange, 200, "text/html; charset=utf-8", PAGE);
      case "/plain.txt" -> respond(exchange, 200, "text/plain", "just text\nline two");
      case "/data.json" -> respond(exchange, 200, "application/json", "{\"answer\":42}");
      case "/image.png" -> respond(exchange, 200, "image/png", "\u0089PNG");
      case "/missing" -> respond(exchange, 404, "text/plain", "no such page");
      case "/big.txt" -> respond(exchange, 200, "text/plain", "x".repeat(1024 * 1024));
      case "/slow.txt" -> slow(exchange);
      case "/redirect" -> redirect(exchange, "/plain.txt");
      case "/redirect-abs" -> redirect(exchange, "http://www.site.test:" + port + "/data.json");
      case "/redirect-metadata" -> redirect(exchange, "http://169.254.169.254/latest/meta-data/");
      case "/redirect-metadata-name" -> redirect(exchange, "http://metadata.site.test/latest/meta-data/");
      case "/redirect-file" -> redirect(exchange, "file:///etc/passwd");
      case "/redirect-creds" -> redirect(exchange, "http://user:pw@site.test:" + port + "/plain.txt");
      case "/loop" -> redirect(exchange, "/loop");
      case "/gzip" -> {
        exchange.getResponseHeaders().set("Content-Encoding", "gzip");
        respond(exchange, 200, "text/plain", "\u001f\u008b not really gzip");
      }
      default -> respond(exchange, 404, "text/plain", "unknown");
    }
  }

  static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  static void redirect(HttpExchange exchange, String location) throws IOException {
    exchange.getResponseHeaders().set("Location", location);
    exchange.sendResponseHeaders(302, -1);
    exchange.close();
  }

  static void slow(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/plain");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write("first part arrives at once\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      Thread.sleep(20_000);
      out.write("never seen".getBytes(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the client went away, as expected
    }
  }

  @Test
  void htmlBecomesReadableTextThroughTheProxy() throws Exception {
    ToolResult result = fetch(url("site.test", "/page.html"));
    assertThat(result.error()).as(result.content()).isFalse();
    assertThat(result.content())
        .contains("URL: " + url("site.test", "/page.html"))
        .contains("Status: 200")
        .contains("Content-Type: text/html")
        .contains("Title: Hello page")
        .contains("Truncated: no")
        .contains("Welcome\n")
        .contains("First paragraph.")
        .contains("- one\n- two")
        .doesNotContain("script text")
        .doesNotContain("color:red")
        .doesNotContain("hidden text")
        .doesNotContain("noscript text");
  }

  @Test
  void httpsGoesThroughAConnectTunnel() throws Exception {
    int before = hits.get();
    String url = "https://site.test:" + tlsServer.getAddress().getPort() + "/page.html";
    ToolResult result = fetch(url);
    assertThat(result.error()).as(result.content()).isFalse();
    assertThat(result.content()).contains("URL: " + url).contains("Title: Hello page").contains("First paragraph.");
    ToolResult redirected = fetch("https://site.test:" + tlsServer.getAddress().getPort() + "/redirect");
    assertThat(redirected.content()).contains("Redirects: 1").endsWith("just text\nline two");
    assertThat(hits.get()).isEqualTo(before + 3);
  }

  @Test
  void plainTextAndJsonPassThrough() throws Exception {
    assertThat(fetch(url("site.test", "/plain.txt")).content()).endsWith("just text\nline two");
    ToolResult json = fetch(url("SITE.test", "/data.json"));
    assertThat(json.content()).contains("Content-Type: application/json").endsWith("{\"answer\":42}");
    assertThat(json.content()).contains("URL: " + url("site.test", "/data.json"));
  }

  @Test
  void otherContentTypesAreRefusedClearly() throws Exception {
    ToolResult result = fetch(url("site.test", "/image.png"));
    assertThat(result.error()).isTrue();
    assertThat(result.content()).contains("image/png").contains("not supported");
  }

  @Test
  void encodedBodiesAreRefused() throws Exception {
    ToolResult result = fetch(url("site.test", "/gzip"));
    assertThat(result.error()).isTrue();
    assertThat(result.content()).contains("Content-Encoding");
  }

  @Test
  void anInterruptAbortsTheFetchAtOnce() throws Exception {
    java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
    Thread caller = Thread.ofVirtual().start(() -> {
      try {
        fetch(url("site.test", "/slow.txt"));
        outcome.complete(null);
      } catch (Throwable t) {
        outcome.complete(t);
      }
    });
    Thread.sleep(300);
    long start = System.nanoTime();
    caller.interrupt();
    assertThat(outcome.get(2, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void errorStatusesAreReportedWithTheirText() throws Exception {
    ToolResult result = fetch(url("site.test", "/missing"));
    assertThat(result.error()).isTrue();
    assertThat(result.content()).contains("Status: 404").endsWith("no such page");
  }

  @Test
  void aDeniedHostIsAClearToolError() throws Exception {
    int before = hits.get();
    ToolResult result = fetch(url("blocked.test", "/plain.txt"));
    assertThat(result.error()).isTrue();
    assertThat(result.content()).contains("egress proxy refused").contains("blocked.test");
    ToolResult https = fetch("https://blocked.test:" + server.getAddress().getPort() + "/plain.txt");
    assertThat(https.error()).isTrue();
    assertThat(https.content()).contains("egress proxy refused");
    // The loopback address itself is reachable by the test, but not for the tool: it only talks to the proxy.
    ToolResult literal = fetch(url("127.0.0.1", "/plain.txt"));
    assertThat(literal.error()).isTrue();
    assertThat(literal.content()).contains("egress proxy refused");
    ToolResult v6 = fetch("http://[::ffff:127.0.0.1]:" + server.getAddress().getPort() + "/plain.txt");
    assertThat(v6.content()).contains("egress proxy refused");
    assertThat(hits.get()).isEqualTo(before);
  }

  @Test
  void redirectsAreFollowedAndEachHopIsChecked() throws Exception {
    ToolResult relative = fetch(url("site.test", "/redirect"));
    assertThat(relative.content()).contains("URL: " + url("site.test", "/plain.txt")).contains("Redirects: 1")
        .endsWith("just text\nline two");
    ToolResult absolute = fetch(url("site.test", "/redirect-abs"));
    assertThat(absolute.content()).contains("URL: " + url("www.site.test", "/data.json"));
  }

  @Test
  void redirectsToPrivateAddressesAreRefusedByTheEgress() throws Exception {
    ToolResult literal = fetch(url("site.test", "/redirect-metadata"));
    assertThat(literal.error()).isTrue();
    assertThat(literal.content()).contains("egress proxy refused").contains("169.254.169.254");
    ToolResult name = fetch(url("site.test", "/redirect-metadata-name"));
    assertThat(name.error()).isTrue();
    assertThat(name.content()).contains("egress proxy refused").contains("metadata.site.test");
  }

  @Test
  void redirectsToOtherSchemesCredentialsOrInLoopsAreRefused() throws Exception {
    assertThat(fetch(url("site.test", "/redirect-file")).content()).contains("refused").contains("file:");
    assertThat(fetch(url("site.test", "/redirect-creds")).content()).contains("credentials");
    ToolResult loop = fetch(url("site.test", "/loop"));
    assertThat(loop.error()).isTrue();
    assertThat(loop.content()).contains("too many redirects");
  }

  @Test
  void oversizedBodiesAreCut() throws Exception {
    ToolResult result = fetch(url("site.test", "/big.txt"));
    assertThat(result.error()).isFalse();
    assertThat(result.content()).contains("Truncated: yes, the body is larger than 65536 bytes");
    ToolResult chars = tool.call(CONTEXT, JSON.createObjectNode().put("url", url("site.test", "/big.txt"))
        .put("max_chars", 100));
    assertThat(chars.content()).endsWith("\n\n" + "x".repeat(100));
  }

  @Test
  void slowBodiesAreCutAtTheTimeLimit() throws Exception {
    long start = System.nanoTime();
    ToolResult result = fetch(url("site.test", "/slow.txt"));
    long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
    assertThat(seconds).isLessThan(8);
    assertThat(result.content()).contains("Truncated: yes, the body was still arriving after 3 s")
        .contains("first part arrives at once").doesNotContain("never seen");
  }

  @Test
  void nonHttpSchemesAndWeirdFormsAreRefusedBeforeAnyConnection() throws Exception {
    int before = hits.get();
    int port = server.getAddress().getPort();
    for (String bad : List.of("file:///etc/passwd", "ftp://site.test/x", "jar:http://site.test/a.jar!/b",
        "gopher://site.test:70/1", "data:text/plain,hi", "javascript:alert(1)", "//site.test/x", "site.test/x",
        "http://user:pass@site.test/", "http://site.test@evil.test/", "http://2130706433/", "http://0x7f.0.0.1/",
        "http://127.1/", "http://010.0.0.1/", "http://[::1%25eth0]/", "http://site..test/", "http://site.test./",
        "http://site.test:0/", "http://site.test:99999/", "http://site.test:/", " http://site.test/",
        "http://site.test/\u00e9", "http://s\u0456te.test/", "http://site_test/", "http:site.test", "",
        "http://%73ite.test/", "http://site.test\\@evil.test/", "http://site.test%2f@evil.test/",
        "http://[::1]x/", "http://0/", "http://4294967295/", "http://1.2.3.4.5/")) {
      ToolResult result = fetch(bad);
      assertThat(result.error()).as(bad).isTrue();
      assertThat(result.content()).as(bad).startsWith("refused:");
      assertThat(result.refusedBy()).as("the rule the runner logs").isEqualTo("fetch_url");
    }
    assertThat(fetch("HTTP://site.test:" + port + "/plain.txt").error()).isFalse();
    assertThat(hits.get()).isEqualTo(before + 1);
  }

  @Test
  void withoutAProxyNothingIsFetched() throws Exception {
    int before = hits.get();
    try (WebFetchTool direct = new WebFetchTool(settings(Optional.empty(), 1024, Duration.ofSeconds(3)))) {
      ToolResult result = fetch(direct, url("127.0.0.1", "/plain.txt"));
      assertThat(result.error()).isTrue();
      assertThat(result.content()).contains("no egress proxy");
    }
    assertThat(hits.get()).isEqualTo(before);
  }

  @Test
  void badArgumentsAreToolErrors() throws Exception {
    assertThat(tool.call(CONTEXT, JSON.createObjectNode()).error()).isTrue();
    assertThat(tool.call(CONTEXT, JSON.readTree("{\"url\": 5}")).error()).isTrue();
    assertThat(tool.call(CONTEXT, JSON.readTree("{\"url\": \"http://site.test/\", \"max_chars\": -1}")).content())
        .contains("max_chars");
    assertThat(tool.call(CONTEXT, JSON.readTree("{\"url\": \"http://site.test/\", \"max_chars\": 1.5}")).content())
        .contains("max_chars");
    JsonNode schema = tool.parameters();
    assertThat(schema.path("required").get(0).asText()).isEqualTo("url");
    assertThat(tool.name()).isEqualTo("web_fetch");
  }

  @Test
  void proxySettingsComeFromTheEnvironment() throws Exception {
    WebFetchSettings fromEnv = WebFetchSettings.fromEnv(Map.of("HTTPS_PROXY", "http://openclaw-egress:4750",
        "NO_PROXY", "site.test"));
    assertThat(fromEnv.proxyFor("https")).contains(InetSocketAddress.createUnresolved("openclaw-egress", 4750));
    assertThat(fromEnv.proxyFor("http")).as("falls back").isEqualTo(fromEnv.proxyFor("https"));
    for (String bad : List.of("https://egress:4750", "http://user:secretpw@egress:4750", "http://egress",
        "egress:4750", "http://egress:4750/path")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> WebFetchSettings.fromEnv(Map.of("HTTP_PROXY", bad)))
          .as(bad).hasMessageContaining("HTTP_PROXY").hasMessageNotContaining("secretpw");
    }
  }
}
