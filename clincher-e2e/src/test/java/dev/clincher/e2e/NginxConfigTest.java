package dev.clincher.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import dev.clincher.e2e.Commands.Result;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The nginx alternative, {@code deploy/nginx/clincher.conf}, held to its specification, {@code deploy/caddy/Caddyfile},
 * with the real {@code nginx} and the real {@code curl} and {@code openssl} clients on loopback.
 *
 * <p>The file is rendered for the test by literal replacements that must each match: the upstream becomes a fake
 * gateway (JDK {@link HttpServer}), the certificate a self-signed one made with {@code openssl}, every {@code listen}
 * a free port on 127.0.0.1. It is included in a minimal top-level nginx.conf that sets in its http block what
 * Debian 12's {@code /etc/nginx/nginx.conf} sets there (so a directive the file repeats at that level fails here as it
 * would there), checked with {@code nginx -t}, and run in the foreground. The header values and the Cloudflare ranges
 * expected are read from the Caddyfile, so the two files cannot drift apart unnoticed.
 *
 * <p>Skips without {@code nginx}, {@code curl} or {@code openssl} on the PATH, unless {@code CI} is set (then fails).
 */
@Timeout(120)
class NginxConfigTest {
  private static final String HOST = "clincher.test";
  /** The time bound of every command and every wait for a peer; the whole class takes a few seconds. */
  private static final Duration BOUND = Duration.ofSeconds(15);
  /** How long a streamed event may take to cross nginx before the test calls it buffering. */
  private static final Duration STREAM_WAIT = Duration.ofSeconds(5);
  private static final String GATEWAY_CSP = "default-src 'self'; script-src 'self' 'sha256-gatewaysownpolicy'";

  @TempDir static Path dir;
  private static Path repository;
  private static Path cert;
  private static Path key;
  private static Path webroot;
  private static FakeGateway gateway;
  private static Nginx nginx;
  private static final AtomicInteger REQUEST_IDS = new AtomicInteger();
  /** The tools not on the PATH; when any is, every test skips. */
  private static List<String> missing = List.of();

  @BeforeAll
  static void start() throws Exception {
    missing = Stream.of("nginx", "curl", "openssl").filter(tool -> !onPath(tool)).toList();
    if (!missing.isEmpty() && System.getenv("CI") != null) {
      fail("not on the PATH: " + String.join(", ", missing) + " (CI is set, so this fails instead of skipping;"
          + " Debian: apt-get install nginx-light curl openssl)");
    }
    if (!missing.isEmpty()) {
      return; // every test skips (below), each one reported
    }

    repository = repository();
    cert = dir.resolve("cert.pem");
    key = dir.resolve("key.pem");
    run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-days", "1", "-subj", "/CN=" + HOST, "-addext", "subjectAltName=DNS:" + HOST,
        "-keyout", key.toString(), "-out", cert.toString())).orFail();
    webroot = Files.createDirectories(dir.resolve("certbot"));
    Path challenges = Files.createDirectories(webroot.resolve(".well-known/acme-challenge"));
    Files.writeString(challenges.resolve("token-1"), "token-1.thumbprint");

    gateway = new FakeGateway();
    nginx = Nginx.start(dir.resolve("nginx"), render(""));
  }

  @BeforeEach
  void toolsPresent() {
    assumeTrue(missing.isEmpty(), "not on the PATH: " + String.join(", ", missing));
  }

  @AfterAll
  static void stop() {
    try (FakeGateway g = gateway; Nginx n = nginx) {
      // both closed, nginx first
    }
  }

  @Test
  void nginxAcceptsTheFileUnderDebiansHttpBlock() {
    Result test = run(nginx.command("-t"));
    assertThat(test.exit()).as(test.describe()).isZero();
    assertThat(test.err()).contains("test is successful").doesNotContain("[warn]", "[emerg]");
  }

  @Test
  void aGetReachesTheGatewayWithOneClientAddressAndEverySecurityHeaderOnce() {
    String path = "/csp/" + REQUEST_IDS.incrementAndGet();
    Response response = nginx.https(path, "-H", "X-Forwarded-For: 6.6.6.6", "-H", "X-Real-IP: 6.6.6.7",
        "-H", "Forwarded: for=6.6.6.8", "-H", "CF-Connecting-IP: 6.6.6.9");

    assertThat(response.status()).as(response.raw()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("gateway");
    Seen seen = gateway.only(path);
    // Not appended to the client's value, and CF-Connecting-IP from a peer outside Cloudflare is not believed.
    assertThat(seen.all("x-forwarded-for")).containsExactly("127.0.0.1");
    assertThat(seen.all("x-real-ip")).isEmpty();
    assertThat(seen.all("forwarded")).isEmpty();
    assertThat(seen.all("x-forwarded-proto")).containsExactly("https");
    assertThat(seen.all("host")).containsExactly(HOST);

    Map<String, String> expected = caddyHeaders();
    expected.put("Content-Security-Policy", GATEWAY_CSP);
    assertEveryHeaderOnce(response, expected);
  }

  @Test
  void answersWithoutAPolicyOfTheirOwnGetTheCaddyfilesDefault() {
    String path = "/plain/" + REQUEST_IDS.incrementAndGet();
    Response response = nginx.https(path);

    assertThat(response.status()).as(response.raw()).isEqualTo(200);
    assertThat(gateway.only(path).all("x-forwarded-for")).containsExactly("127.0.0.1");
    assertEveryHeaderOnce(response, caddyHeaders());
  }

  @Test
  void metricsIsAnswered404AndNeverProxied() {
    for (String path : List.of("/metrics", "/metrics/", "/metrics?x=1", "/metricsx", "/METRICS", "//metrics",
        "/%6Detrics", "/metrics;jsessionid=1", "/a/../metrics")) {
      Response response = nginx.https(path, "--path-as-is");
      assertThat(response.status()).as(path + "\n" + response.raw()).isEqualTo(404);
      assertEveryHeaderOnce(response, caddyHeaders());
    }
    assertThat(gateway.seen()).extracting(Seen::uri).noneMatch(uri -> uri.toLowerCase(Locale.ROOT).contains("metr"));
  }

  @Test
  void plainHttpRedirectsToHttpsButServesAcmeChallenges() {
    Response redirect = nginx.http("/chat/x?y=1");
    assertThat(redirect.status()).as(redirect.raw()).isEqualTo(308);
    assertThat(redirect.all("location")).containsExactly("https://" + HOST + "/chat/x?y=1");

    Response challenge = nginx.http("/.well-known/acme-challenge/token-1");
    assertThat(challenge.status()).as(challenge.raw()).isEqualTo(200);
    assertThat(challenge.body()).isEqualTo("token-1.thumbprint");
    assertThat(nginx.http("/.well-known/acme-challenge/none").status()).isEqualTo(404);

    Response health = Response.parse(run(List.of("curl", "-sS", "--max-time", "10", "-i",
        "http://127.0.0.1:" + nginx.healthPort() + "/healthz")));
    assertThat(health.status()).as(health.raw()).isEqualTo(200);
    assertThat(gateway.seen()).extracting(Seen::uri).noneMatch(uri -> uri.contains("chat") || uri.contains("acme"));
  }

  /**
   * The fake writes an event, flushes, and writes the next only once the test has seen this one through curl. A proxy
   * that buffers may still pass the first (it arrives with the response head), but the second would then wait for a
   * stream that cannot end: the bounded wait fails instead. (nginx 1.22 with proxy_buffering on holds the events of an
   * HTTP/1.1 client this way; its HTTP/2 output passes them on either way.)
   */
  @ParameterizedTest
  @ValueSource(strings = {"--http1.1", "--http2"})
  void serverSentEventsPassThroughUnbuffered(String protocol) throws Exception {
    String path = "/events/" + REQUEST_IDS.incrementAndGet();
    EventStream stream = gateway.stream(path);
    List<String> argv = new ArrayList<>(curlTo(HOST, nginx.httpsPort()));
    argv.addAll(List.of("-N", protocol, "https://" + HOST + ":" + nginx.httpsPort() + path));
    Process curl = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectError(dir.resolve("sse" + protocol + ".err").toFile()).start();
    try {
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread.ofPlatform().daemon().name("sse-reader").start(() -> readLines(curl.getInputStream(), lines));
      for (int event = 1; event <= EventStream.EVENTS; event++) {
        String line = awaitLine(lines, EventStream.line(event), STREAM_WAIT);
        if (line == null) {
          fail("curl printed no event %d within %d s although the fake gateway %s", event, STREAM_WAIT.toSeconds(),
              stream.written() >= event ? "had flushed it and holds the rest until curl shows it: the proxy buffers"
                  + " the stream" : "had not written it (it has written " + stream.written() + ")");
        }
        stream.next();
      }
      assertThat(curl.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)).as("curl ends with the stream").isTrue();
      assertThat(curl.exitValue()).as(Files.readString(dir.resolve("sse" + protocol + ".err"))).isZero();
    } finally {
      stream.end();
      curl.destroyForcibly();
    }
  }

  @Test
  void webSocketUpgradesReachTheGatewayOtherRequestsDoNot() {
    String upgrade = "/ws/" + REQUEST_IDS.incrementAndGet();
    nginx.https(upgrade, "--http1.1", "-H", "Connection: Upgrade", "-H", "Upgrade: websocket");
    Seen seen = gateway.only(upgrade);
    assertThat(seen.all("upgrade")).containsExactly("websocket");
    assertThat(seen.all("connection")).containsExactly("upgrade");

    String plain = "/plain/" + REQUEST_IDS.incrementAndGet();
    nginx.https(plain, "--http1.1", "-H", "Connection: close");
    assertThat(gateway.only(plain).all("upgrade")).isEmpty();
    assertThat(gateway.only(plain).all("connection")).noneMatch(value -> value.toLowerCase(Locale.ROOT).contains("up"));
  }

  @Test
  void bodiesOverTheLimitAreRefusedBeforeTheGateway() throws IOException {
    Path body = dir.resolve("body.bin");
    Files.write(body, new byte[5_000_000]);
    String path = "/upload/" + REQUEST_IDS.incrementAndGet();
    Response response = nginx.https(path, "--http1.1", "--data-binary", "@" + body);

    assertThat(response.status()).as(response.raw()).isEqualTo(413);
    assertThat(response.all("content-security-policy")).hasSize(1);
    assertThat(gateway.seen()).extracting(Seen::uri).doesNotContain(path);
  }

  @Test
  void tlsIsForTheConfiguredNameOnlyWithForwardSecretAeadCiphersAndNoTickets() {
    List<String> argv = new ArrayList<>(curlTo("other.test", nginx.httpsPort()));
    argv.add("https://other.test:" + nginx.httpsPort() + "/");
    Result otherName = run(argv);
    assertThat(otherName.exit()).as("a handshake for another name must be refused\n" + otherName.describe())
        .isEqualTo(35);

    Result tls12 = openssl("-tls1_2");
    assertThat(tls12.exit()).as(tls12.describe()).isZero();
    // In TLS 1.2 a ticket would be part of the handshake, so its absence from the session shown is final.
    assertThat(tls12.out()).contains("New, TLSv1.2, Cipher is ECDHE-", "Verify return code: 0 (ok)")
        .doesNotContain("session ticket");
    // Debian's OpenSSL would allow this CBC suite by default; the file's cipher list does not.
    Result cbc = openssl("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256");
    assertThat(cbc.exit()).as(cbc.describe()).isNotZero();
    assertThat(openssl("-tls1_3").out()).contains("New, TLSv1.3, Cipher is TLS_");
  }

  @Test
  void cfConnectingIpIsBelievedOnlyFromCloudflareRanges() throws IOException {
    // Stand-in: the loopback peer joins the Cloudflare ranges; nothing else in the file changes.
    try (Nginx behindCloudflare = Nginx.start(dir.resolve("nginx-cf"),
        render("\n    set_real_ip_from 127.0.0.1/32;"))) {
      String believed = "/plain/" + REQUEST_IDS.incrementAndGet();
      behindCloudflare.https(believed, "-H", "CF-Connecting-IP: 203.0.113.7", "-H", "X-Forwarded-For: 6.6.6.6");
      assertThat(gateway.only(believed).all("x-forwarded-for")).containsExactly("203.0.113.7");

      String garbled = "/plain/" + REQUEST_IDS.incrementAndGet();
      behindCloudflare.https(garbled, "-H", "CF-Connecting-IP: not-an-address");
      assertThat(gateway.only(garbled).all("x-forwarded-for")).containsExactly("127.0.0.1");

      String absent = "/plain/" + REQUEST_IDS.incrementAndGet();
      behindCloudflare.https(absent, "-H", "X-Forwarded-For: 6.6.6.6");
      assertThat(gateway.only(absent).all("x-forwarded-for")).containsExactly("127.0.0.1");
    }
  }

  @Test
  void cloudflareRangesAreTheCaddyfiles() throws IOException {
    String caddyfile = Files.readString(repository.resolve("deploy/caddy/Caddyfile"));
    Matcher caddy = Pattern.compile("@from_cloudflare remote_ip ([^\\n]+)").matcher(caddyfile);
    assertThat(caddy.find()).as("the Caddyfile's Cloudflare matcher").isTrue();
    List<String> nginxRanges = Pattern.compile("(?m)^\\s*set_real_ip_from (\\S+);")
        .matcher(Files.readString(repository.resolve("deploy/nginx/clincher.conf"))).results()
        .map(match -> match.group(1)).toList();
    assertThat(nginxRanges).containsExactly(caddy.group(1).strip().split("\\s+"));
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static void assertEveryHeaderOnce(Response response, Map<String, String> expected) {
    expected.forEach((name, value) ->
        assertThat(response.all(name)).as(name + " in\n" + response.raw()).containsExactly(value));
    // Caddy removes Server and Via; nginx (without extra modules) keeps "Server: nginx", but never a version.
    assertThat(response.all("server")).as(response.raw()).containsExactly("nginx");
    assertThat(response.all("via")).as(response.raw()).isEmpty();
  }

  /** The Caddyfile's security headers, name to value (the {@code ?} of "set only if absent" dropped). */
  private static Map<String, String> caddyHeaders() {
    try {
      String caddyfile = Files.readString(repository.resolve("deploy/caddy/Caddyfile"));
      String block = caddyfile.substring(caddyfile.indexOf("(security_headers)"), caddyfile.indexOf("-Server"));
      Map<String, String> headers = new LinkedHashMap<>();
      Pattern.compile("(?m)^\\s*\\??([A-Za-z-]+) \"([^\"]*)\"$").matcher(block).results()
          .forEach(match -> headers.put(match.group(1), match.group(2)));
      assertThat(headers).as("the Caddyfile's security headers").hasSize(8).containsKey("Content-Security-Policy");
      return headers;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code clincher.conf} for this test: every replaced text must occur exactly as often as expected, and afterwards
   * every listen address is on 127.0.0.1. {@code trustedExtra} is appended after {@code real_ip_header}.
   */
  private static String render(String trustedExtra) throws IOException {
    String text = Files.readString(repository.resolve("deploy/nginx/clincher.conf"));
    text = replace(text, "server gateway:18789;", "server 127.0.0.1:" + gateway.port() + ";", 1);
    text = replace(text, "/etc/letsencrypt/live/agent.example.com/fullchain.pem", cert.toString(), 1);
    text = replace(text, "/etc/letsencrypt/live/agent.example.com/privkey.pem", key.toString(), 1);
    text = replace(text, "server_name agent.example.com;", "server_name " + HOST + ";", 2);
    text = replace(text, "root /var/www/certbot;", "root " + webroot + ";", 1);
    text = replace(text, "listen 443 ", "listen 127.0.0.1:@HTTPS@ ", 2);
    text = replace(text, "listen 80;", "listen 127.0.0.1:@HTTP@;", 1);
    text = replace(text, "listen 127.0.0.1:2080;", "listen 127.0.0.1:@HEALTH@;", 1);
    text = replace(text, "real_ip_header CF-Connecting-IP;", "real_ip_header CF-Connecting-IP;" + trustedExtra, 1);
    List<String> listens = Pattern.compile("(?m)^\\s*listen\\s+(\\S+)").matcher(text).results()
        .map(match -> match.group(1)).toList();
    assertThat(listens).as("every listen binds loopback").hasSize(4).allMatch(l -> l.startsWith("127.0.0.1:@"));
    return text;
  }

  private static String replace(String text, String literal, String replacement, int expected) {
    int count = text.split(Pattern.quote(literal), -1).length - 1;
    assertThat(count).as("occurrences of '%s' in deploy/nginx/clincher.conf", literal).isEqualTo(expected);
    return text.replace(literal, replacement);
  }

  private static Path repository() {
    String configured = System.getenv("CLINCHER_REPOSITORY");
    Path root = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent();
    assertThat(root.resolve("deploy/nginx/clincher.conf")).as("the repository root").isRegularFile();
    return root.toAbsolutePath().normalize();
  }

  private static boolean onPath(String tool) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(entry -> !entry.isEmpty()).anyMatch(entry -> Files.isExecutable(Path.of(entry, tool)));
  }

  /** curl, bounded, trusting the test's certificate, with {@code host:port} resolved to 127.0.0.1 (no DNS). */
  private static List<String> curlTo(String host, int port) {
    return List.of("curl", "-sS", "--max-time", "10", "--cacert", cert.toString(), "--resolve",
        host + ":" + port + ":127.0.0.1");
  }

  private static Result openssl(String... options) {
    List<String> argv = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + nginx.httpsPort(),
        "-servername", HOST, "-CAfile", cert.toString(), "-verify_return_error"));
    argv.addAll(List.of(options));
    return run(argv);
  }

  private static void readLines(InputStream stream, BlockingQueue<String> lines) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    } catch (IOException e) {
      lines.add("[read failed: " + e.getMessage() + "]");
    }
  }

  /** The first line equal to {@code wanted} within {@code wait}, or null; other lines are skipped. */
  private static String awaitLine(BlockingQueue<String> lines, String wanted, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    for (long left = wait.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      String line = lines.poll(left, TimeUnit.NANOSECONDS);
      if (wanted.equals(line)) {
        return line;
      }
    }
    return null;
  }

  /** Runs {@code argv} with no input, killing it after {@link #BOUND} (exit -1). */
  static Result run(List<String> argv) {
    return Commands.run(BOUND, argv);
  }

  /** The final HTTP response as {@code curl -i} printed it (interim 1xx heads skipped). */
  record Response(int status, Map<String, List<String>> headers, String body, String raw) {
    private static final Pattern INTERIM = Pattern.compile("HTTP/\\S+ 1\\d\\d[^\\n]*\\r\\n(?:[^\\r]+\\r\\n)*\\r\\n");

    static Response parse(Result result) {
      assertThat(result.exit()).as(result.describe()).isZero();
      String raw = result.out();
      Matcher interim = INTERIM.matcher(raw);
      int start = 0;
      while (interim.region(start, raw.length()).lookingAt()) {
        start = interim.end();
      }
      int end = raw.indexOf("\r\n\r\n", start);
      assertThat(end).as("a response head in\n" + raw).isPositive();
      String[] lines = raw.substring(start, end).split("\r\n");
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.computeIfAbsent(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), name -> new ArrayList<>())
            .add(lines[i].substring(colon + 1).strip());
      }
      return new Response(Integer.parseInt(lines[0].split(" ")[1]), headers, raw.substring(end + 4), raw);
    }

    List<String> all(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }
  }

  /** An event stream the fake gateway writes one event at a time, each after the test has seen the one before. */
  static final class EventStream {
    static final int EVENTS = 3;
    private final Semaphore next = new Semaphore(0);
    private final AtomicInteger written = new AtomicInteger();

    static String line(int event) {
      return "data: event " + event;
    }

    int written() {
      return written.get();
    }

    void next() {
      next.release();
    }

    void end() {
      next.release(EVENTS);
    }

    void writeTo(OutputStream body) throws IOException {
      try {
        for (int event = 1; event <= EVENTS; event++) {
          if (event > 1 && !next.tryAcquire(BOUND.toSeconds(), TimeUnit.SECONDS)) {
            return;
          }
          body.write((line(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
          body.flush();
          written.set(event);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A request as the fake gateway saw it; header names in lower case. */
  record Seen(String method, String uri, Map<String, List<String>> headers) {
    List<String> all(String name) {
      return headers.getOrDefault(name, List.of());
    }
  }

  /**
   * The gateway as nginx sees it, on 127.0.0.1: {@code /csp/...} answers with a policy of its own, {@code /events/...}
   * with the {@link EventStream} the test set up for it; everything else answers "gateway".
   * Every answer carries weaker copies of the security headers, which nginx must replace, not add to.
   */
  static final class FakeGateway implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, EventStream> streams = new ConcurrentHashMap<>();

    FakeGateway() throws IOException {
      // As the project's other fakes: without it a small write can wait for the peer's delayed ACK.
      System.setProperty("sun.net.httpserver.nodelay", "true");
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
      server.createContext("/", this::handle);
      server.setExecutor(executor);
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    List<Seen> seen() {
      return List.copyOf(seen);
    }

    Seen only(String uri) {
      List<Seen> matching = seen.stream().filter(request -> request.uri().equals(uri)).toList();
      assertThat(matching).as("requests for %s at the fake gateway", uri).hasSize(1);
      return matching.getFirst();
    }

    EventStream stream(String path) {
      return streams.computeIfAbsent(path, p -> new EventStream());
    }

    private void handle(HttpExchange exchange) throws IOException {
      try (exchange) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT),
            List.copyOf(values)));
        String uri = exchange.getRequestURI().toString();
        seen.add(new Seen(exchange.getRequestMethod(), uri, headers));
        exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());

        var answer = exchange.getResponseHeaders();
        answer.add("X-Frame-Options", "SAMEORIGIN");
        answer.add("X-Content-Type-Options", "nosniff");
        answer.add("Referrer-Policy", "unsafe-url");
        answer.add("Strict-Transport-Security", "max-age=1");
        answer.add("Cross-Origin-Resource-Policy", "cross-origin");
        answer.add("Server", "fake-gateway/1.0");
        answer.add("Via", "1.1 fake-gateway");
        if (uri.startsWith("/events/")) {
          stream(exchange, uri);
          return;
        }
        if (uri.startsWith("/csp/")) {
          answer.add("Content-Security-Policy", GATEWAY_CSP);
        }
        byte[] body = "gateway".getBytes(StandardCharsets.UTF_8);
        answer.add("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
    }

    private void stream(HttpExchange exchange, String uri) throws IOException {
      exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
      exchange.getResponseHeaders().add("Cache-Control", "no-cache");
      exchange.sendResponseHeaders(200, 0);
      stream(uri).writeTo(exchange.getResponseBody());
    }

    @Override
    public void close() {
      streams.values().forEach(EventStream::end);
      server.stop(0);
      executor.shutdownNow();
    }
  }

  /** nginx in the foreground with the rendered file, on free loopback ports; stopped by {@link #close()}. */
  static final class Nginx implements AutoCloseable {
    private final Path prefix;
    private final int https;
    private final int http;
    private final int health;
    private Process process;

    private Nginx(Path prefix, int https, int http, int health) {
      this.prefix = prefix;
      this.https = https;
      this.http = http;
      this.health = health;
    }

    /** Writes the configuration under {@code prefix}, checks it with {@code nginx -t}, starts nginx, waits for it. */
    static Nginx start(Path prefix, String clincherConf) throws IOException {
      Nginx nginx = new Nginx(Files.createDirectories(prefix), freePort(), freePort(), freePort());
      Files.writeString(prefix.resolve("clincher.conf"), clincherConf.replace("@HTTPS@", "" + nginx.https)
          .replace("@HTTP@", "" + nginx.http).replace("@HEALTH@", "" + nginx.health));
      Files.writeString(prefix.resolve("nginx.conf"), nginx.wrapper());
      Result test = run(nginx.command("-t"));
      assertThat(test.exit()).as("nginx -t\n" + test.describe()).isZero();
      nginx.process = new ProcessBuilder(nginx.command()).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(prefix.resolve("nginx.out").toFile()).start();
      try {
        nginx.awaitListening();
      } catch (RuntimeException | Error e) {
        nginx.close();
        throw e;
      }
      return nginx;
    }

    /**
     * The top level around clincher.conf: everything in {@code prefix}, and in the http block what Debian 12's
     * nginx.conf sets there. {@code user root} only when the test runs as root (CI), so that the workers can read the
     * test's private temporary directory.
     */
    private String wrapper() {
      String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
      return user + """
          daemon off;
          worker_processes 1;
          pid %1$s/nginx.pid;
          error_log stderr notice;
          events {
              worker_connections 64;
          }
          http {
              client_body_temp_path %1$s/client_body;
              proxy_temp_path %1$s/proxy;
              fastcgi_temp_path %1$s/fastcgi;
              uwsgi_temp_path %1$s/uwsgi;
              scgi_temp_path %1$s/scgi;
              access_log %1$s/access.log;
              # As Debian 12's /etc/nginx/nginx.conf:
              sendfile on;
              tcp_nopush on;
              types_hash_max_size 2048;
              default_type application/octet-stream;
              ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
              ssl_prefer_server_ciphers on;
              gzip on;
              include %1$s/clincher.conf;
          }
          """.formatted(prefix);
    }

    List<String> command(String... extra) {
      List<String> argv = new ArrayList<>(List.of("nginx", "-p", prefix + "/", "-e", "stderr",
          "-c", prefix.resolve("nginx.conf").toString()));
      argv.addAll(List.of(extra));
      return argv;
    }

    private void awaitListening() {
      long deadline = System.nanoTime() + BOUND.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          fail("nginx exited with " + process.exitValue() + ":\n" + output());
        }
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), health), 200);
          return;
        } catch (IOException notYet) {
          sleep(Duration.ofMillis(50));
        }
      }
      fail("nginx did not listen on 127.0.0.1:" + health + " within " + BOUND.toSeconds() + " s:\n" + output());
    }

    int httpsPort() {
      return https;
    }

    int healthPort() {
      return health;
    }

    Response https(String path, String... options) {
      return request(https, "https://" + HOST + ":" + https + path, options);
    }

    Response http(String path) {
      return request(http, "http://" + HOST + ":" + http + path);
    }

    private static Response request(int port, String url, String... options) {
      List<String> argv = new ArrayList<>(curlTo(HOST, port));
      argv.add("-i");
      argv.addAll(List.of(options));
      argv.add(url);
      return Response.parse(run(argv));
    }

    String output() {
      try {
        return Files.readString(prefix.resolve("nginx.out"));
      } catch (IOException e) {
        return "[no output: " + e.getMessage() + "]";
      }
    }

    /** SIGTERM (nginx's fast shutdown stops the workers too); after 5 s the workers and the master are killed. */
    @Override
    public void close() {
      if (process == null) {
        return;
      }
      List<ProcessHandle> workers = process.descendants().toList();
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          workers.forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private static int freePort() throws IOException {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      }
    }

    private static void sleep(Duration duration) {
      try {
        Thread.sleep(duration);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
