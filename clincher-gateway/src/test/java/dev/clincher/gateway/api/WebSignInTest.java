package dev.clincher.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.gateway.testing.RawHttp;
import dev.clincher.gateway.testing.RunningGateway;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI's front door over raw HTTP: the page's own origin is allowed (the blocker of issue 12), foreign, null,
 * look-alike and forged origins are not; the token is exchanged once for an HttpOnly, SameSite=Strict cookie whose
 * state-changing use needs Origin and the CSRF header; one-time sign-in links; sign-out; the failure limiter on the
 * exchange; a favicon without auth. The gateway trusts 127.0.0.1 as its reverse proxy, so requests from 127.0.0.2
 * are a direct, untrusted client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class WebSignInTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final InetAddress DIRECT = loopback("127.0.0.2");
  static final InetAddress PROXY = loopback("127.0.0.1");

  RunningGateway gateway;
  String self;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    gateway = RunningGateway.start(directory, """
        auth:
          trusted_proxies: [127.0.0.1/32]
          allowed_origins: [https://agent.example]
        router: {url: "http://127.0.0.1:9"}
        storage: {url: "jdbc:sqlite:%s"}
        docker: {host: "tcp://127.0.0.1:9"}
        agents:
          main: {model: scripted, system_prompt: You are a test agent.}
        """.formatted(directory.resolve("gateway.db")), Map.of());
    self = "127.0.0.1:" + gateway.port();
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  static InetAddress loopback(String address) {
    try {
      return InetAddress.getByName(address);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A request of a browser-like client: Host, then any extra headers in pairs. */
  RawHttp.Response call(InetAddress from, String method, String path, String host, String body, String... headers)
      throws Exception {
    List<Map.Entry<String, String>> list = new ArrayList<>();
    list.add(Map.entry("Host", host));
    for (int i = 0; i < headers.length; i += 2) {
      list.add(Map.entry(headers[i], headers[i + 1]));
    }
    if (!body.isEmpty()) {
      list.add(Map.entry("Content-Type", "application/json"));
    }
    return RawHttp.send(from, gateway.port(), method, path, list, body);
  }

  RawHttp.Response ticket(String host, String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = "Bearer " + RunningGateway.TOKEN;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return call(DIRECT, "POST", "/v1/ws/ticket", host, "{}", all);
  }

  @Test
  void thePagesOwnOriginIsAllowed() throws Exception {
    assertThat(ticket(self, "Origin", "http://" + self).status()).isEqualTo(200);
    assertThat(call(DIRECT, "POST", "/v1/sessions", self, "{\"agent\":\"main\"}", "Authorization",
        "Bearer " + RunningGateway.TOKEN, "Origin", "http://" + self).status()).isEqualTo(201);
    String localhost = "localhost:" + gateway.port();
    assertThat(ticket(localhost, "Origin", "http://" + localhost).status()).isEqualTo(200);
    assertThat(ticket(self, "Origin", "https://agent.example").status()).as("a configured origin").isEqualTo(200);
  }

  @Test
  void foreignNullAndLookAlikeOriginsAreRefused() throws Exception {
    int port = gateway.port();
    for (String origin : List.of("https://evil.example", "null", "http://127.0.0.1:" + (port + 1),
        "https://127.0.0.1:" + port, "http://127.0.0.2:" + port, "http://127.0.0.1.evil.example:" + port,
        "http://127.0.0.1:" + port + "@evil.example", "http://evil.example@127.0.0.1:" + port,
        "http://127.0.0.1:" + port + "/", "http://127.0.0.1:0" + port, "http://localhost:" + port,
        "https://agent.example.evil.example", "http://agent.example")) {
      RawHttp.Response refused = ticket(self, "Origin", origin);
      assertThat(refused.status()).as(origin).isEqualTo(403);
      assertThat(refused.body()).as(origin).contains("forbidden_origin");
    }
    assertThat(ticket(self, "Origin", "http://" + self, "Origin", "http://" + self).status())
        .as("two Origin headers").isEqualTo(403);
  }

  @Test
  void aForgedHostDoesNotMakeAForeignNameSameOrigin() throws Exception {
    // a DNS-rebinding page: its name points at the gateway, so Host and Origin agree; a name must be listed
    String rebound = "evil.example:" + gateway.port();
    assertThat(ticket(rebound, "Origin", "http://" + rebound).status()).isEqualTo(403);
    // forwarded headers from a client that is not the trusted proxy are ignored
    assertThat(ticket(self, "Origin", "https://evil.example", "X-Forwarded-Host", "evil.example",
        "X-Forwarded-Proto", "https").status()).isEqualTo(403);
    // two Host headers give no origin of its own
    assertThat(call(DIRECT, "POST", "/v1/ws/ticket", self, "{}", "Host", "evil.example", "Authorization",
        "Bearer " + RunningGateway.TOKEN, "Origin", "http://" + self).status()).isIn(400, 403);
  }

  @Test
  void behindTheTrustedProxyTheForwardedOriginCounts() throws Exception {
    RawHttp.Response proxied = call(PROXY, "POST", "/v1/ws/ticket", "gateway:18789", "{}", "Authorization",
        "Bearer " + RunningGateway.TOKEN, "X-Forwarded-Proto", "https", "X-Forwarded-Host", "agent.example",
        "X-Forwarded-For", "198.51.100.7", "Origin", "https://agent.example");
    assertThat(proxied.status()).isEqualTo(200);
    RawHttp.Response wrongScheme = call(PROXY, "POST", "/v1/ws/ticket", "gateway:18789", "{}", "Authorization",
        "Bearer " + RunningGateway.TOKEN, "X-Forwarded-Proto", "https", "X-Forwarded-Host", "127.0.0.1",
        "X-Forwarded-For", "198.51.100.7", "Origin", "http://127.0.0.1");
    assertThat(wrongScheme.status()).isEqualTo(403);
  }

  String signIn(String origin) throws Exception {
    RawHttp.Response signedIn = call(DIRECT, "POST", "/v1/auth/session", self,
        JSON.createObjectNode().put("token", RunningGateway.TOKEN).toString(), "Origin", origin);
    assertThat(signedIn.status()).isEqualTo(200);
    String setCookie = signedIn.header("Set-Cookie").getFirst();
    assertThat(setCookie).startsWith("clincher_session=").contains("; HttpOnly").contains("; SameSite=Strict")
        .contains("; Path=/").doesNotContain("Secure").doesNotContain(RunningGateway.TOKEN);
    assertThat(signedIn.header("Cache-Control")).contains("no-store");
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  @Test
  void theTokenIsExchangedOnceForACookieThatNeedsOriginAndCsrfToChangeState() throws Exception {
    String cookie = signIn("http://" + self);
    assertThat(call(DIRECT, "GET", "/v1/sessions", self, "", "Cookie", cookie).status()).isEqualTo(200);
    assertThat(call(DIRECT, "GET", "/v1/auth/session", self, "", "Cookie", cookie).body()).contains("\"cookie\"")
        .contains("expires_at");
    String body = "{\"agent\":\"main\"}";
    RawHttp.Response noOrigin = call(DIRECT, "POST", "/v1/sessions", self, body, "Cookie", cookie,
        "X-Clincher-CSRF", "1");
    assertThat(noOrigin.status()).isEqualTo(403);
    assertThat(noOrigin.body()).contains("csrf_check_failed");
    assertThat(call(DIRECT, "POST", "/v1/sessions", self, body, "Cookie", cookie, "Origin", "http://" + self)
        .status()).as("no CSRF header").isEqualTo(403);
    assertThat(call(DIRECT, "POST", "/v1/sessions", self, body, "Cookie", cookie, "Origin", "https://evil.example",
        "X-Clincher-CSRF", "1").status()).as("foreign origin").isEqualTo(403);
    assertThat(call(DIRECT, "POST", "/v1/sessions", self, body, "Cookie", cookie, "Origin", "http://" + self,
        "X-Clincher-CSRF", "1").status()).isEqualTo(201);
    assertThat(call(DIRECT, "GET", "/v1/sessions", self, "", "Cookie", cookie + "; " + cookie).status())
        .as("a planted second cookie").isEqualTo(401);
  }

  @Test
  void signOutEndsTheSessionAndClearsTheCookie() throws Exception {
    String cookie = signIn("http://" + self);
    RawHttp.Response out = call(DIRECT, "DELETE", "/v1/auth/session", self, "", "Cookie", cookie, "Origin",
        "http://" + self, "X-Clincher-CSRF", "1");
    assertThat(out.status()).isEqualTo(200);
    assertThat(out.header("Set-Cookie").getFirst()).startsWith("clincher_session=;").contains("Max-Age=0");
    assertThat(call(DIRECT, "GET", "/v1/sessions", self, "", "Cookie", cookie).status()).isEqualTo(401);
  }

  @Test
  void overHttpsBehindTheProxyTheCookieIsSecure() throws Exception {
    RawHttp.Response signedIn = call(PROXY, "POST", "/v1/auth/session", "gateway:18789",
        JSON.createObjectNode().put("token", RunningGateway.TOKEN).toString(), "X-Forwarded-Proto", "https",
        "X-Forwarded-Host", "agent.example", "X-Forwarded-For", "198.51.100.8", "Origin", "https://agent.example");
    assertThat(signedIn.status()).isEqualTo(200);
    assertThat(signedIn.header("Set-Cookie").getFirst()).contains("; Secure");
  }

  @Test
  void aSignInLinkWorksOnceAndItsCodeIsNotTheToken() throws Exception {
    RawHttp.Response minted = call(DIRECT, "POST", "/v1/auth/links", self, "{}", "Authorization",
        "Bearer " + RunningGateway.TOKEN);
    assertThat(minted.status()).isEqualTo(200);
    String path = JSON.readTree(minted.body()).path("path").asText();
    assertThat(path).startsWith("/#signin=").doesNotContain(RunningGateway.TOKEN);
    assertThat(JSON.readTree(minted.body()).path("expires_in").asInt()).isEqualTo(300);
    String code = JSON.createObjectNode().put("code", path.substring("/#signin=".length())).toString();
    assertThat(call(DIRECT, "POST", "/v1/auth/session", self, code, "Origin", "http://" + self).status())
        .isEqualTo(200);
    assertThat(call(DIRECT, "POST", "/v1/auth/session", self, code, "Origin", "http://" + self).status())
        .as("used").isEqualTo(401);
    assertThat(gateway.server().signInLink()).startsWith("http://127.0.0.1:" + gateway.port() + "/#signin=");
  }

  @Test
  void theFailureLimiterAppliesToTheExchange() throws Exception {
    InetAddress guesser = loopback("127.0.0.3");
    String wrong = JSON.createObjectNode().put("token", "not-the-token").toString();
    for (int i = 0; i < 10; i++) {
      RawHttp.Response refused = call(guesser, "POST", "/v1/auth/session", self, wrong);
      assertThat(refused.status()).isEqualTo(i < 9 ? 401 : 429);
    }
    String right = JSON.createObjectNode().put("token", RunningGateway.TOKEN).toString();
    RawHttp.Response locked = call(guesser, "POST", "/v1/auth/session", self, right);
    assertThat(locked.status()).isEqualTo(429);
    assertThat(locked.header("Set-Cookie")).isEmpty();
    assertThat(call(guesser, "POST", "/v1/auth/session", self, "{\"code\":\"guess\"}").status()).isEqualTo(429);
  }

  @Test
  void theFaviconAndThePageNeedNoSignIn() throws Exception {
    RawHttp.Response icon = call(DIRECT, "GET", "/favicon.ico", self, "");
    assertThat(icon.status()).isEqualTo(200);
    assertThat(icon.header("Content-Type").getFirst()).startsWith("image/svg+xml");
    RawHttp.Response page = call(DIRECT, "GET", "/", self, "");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Security-Policy").getFirst()).contains("script-src 'self'")
        .contains("require-trusted-types-for 'script'").doesNotContain("unsafe-inline");
    assertThat(page.body()).doesNotContain("<script>").doesNotContain("style=").doesNotContain("onclick");
  }
}
