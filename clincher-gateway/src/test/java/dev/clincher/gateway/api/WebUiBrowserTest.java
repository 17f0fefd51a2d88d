package dev.clincher.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.clincher.gateway.sandbox.DockerTestSupport;
import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import dev.clincher.egress.proxy.ProxyLimits;
import dev.clincher.gateway.testing.Browser;
import dev.clincher.gateway.testing.RawHttp;
import dev.clincher.gateway.testing.RunningGateway;
import dev.clincher.gateway.testing.ScriptedModel;
import dev.clincher.gateway.testing.ScriptedProvider;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.RunningRouter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI in a real headless Chromium (Debian's, through chromedriver), against a real gateway, router, socket
 * proxy and dockerd, with a scripted model on loopback: sign in, chat with a tool call that runs in a sandbox, a
 * denied tool, a model answer full of markup that must stay inert, abort, reload and stay signed in, the control
 * pages, sign out, a one-time sign-in link, and another site that tries to use the cookie. Each step saves a
 * screenshot under {@code target/web-ui-screenshots/} (copies are in {@code docs/images/}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class WebUiBrowserTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path SCREENSHOTS = Path.of("target", "web-ui-screenshots");
  /** A model answer that tries every way in: raw HTML, an event handler, javascript: links. */
  static final String[] HOSTILE_ANSWER = {"Here is <script>window.__pwned = 'script'</script> and ",
      "<img src=x onerror=\"window.__pwned = 'img'\"> and ", "[click me](javascript:window.__pwned='link') and ",
      "<a href=\"javascript:window.__pwned='a'\">raw link</a>.\n\n", "A [safe link](https://example.com/docs), ",
      "**bold**, `code` and\n\n```\n<b>not bold</b>\n```\n"};

  DockerTestSupport docker;
  EgressServer egress;
  ScriptedProvider provider;
  RunningRouter router;
  RunningGateway gateway;
  Browser browser;
  HttpServer otherSite;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    assumeTrue(Browser.installed() || System.getenv("CI") != null,
        "chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)");
    docker = DockerTestSupport.start();
    egress = EgressServer.start(new EgressSettings("127.0.0.1", 0, Optional.empty(), List.of(), List.of(),
        List.of(), List.of(), List.of(), false, ProxyLimits.defaults(), Duration.ofSeconds(1), Optional.empty()));
    provider = ScriptedProvider.start(script());
    router = provider.router(directory);
    gateway = RunningGateway.start(directory, """
        router: {url: "%s"}
        storage: {url: "jdbc:sqlite:%s"}
        docker: {host: "tcp://127.0.0.1:%d"}
        sandbox: {image: "%s", instance: "%s", scope: agent}
        agents:
          main: {model: scripted, system_prompt: You are a test agent.}
          research: {model: scripted, system_prompt: You are another test agent.}
        """.formatted(router.baseUrl(), directory.resolve("gateway.db"), docker.proxied.host().port(),
        DockerTestSupport.IMAGE, docker.instance), Map.of("HTTPS_PROXY", "http://127.0.0.1:" + egress.address().getPort()));
    otherSite = anotherSite(gateway.baseUrl());
    browser = Browser.start(directory, 1280, 820);
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable closeable : new AutoCloseable[] {browser, gateway, router, provider, egress, docker}) {
      if (closeable != null) {
        closeable.close();
      }
    }
    if (otherSite != null) {
      otherSite.stop(0);
    }
  }

  /** The model's part: what it does depends on the user's last message. */
  static Function<JsonNode, FakeUpstream.Stream> script() {
    return request -> {
      String said = lastUserMessage(request);
      boolean afterTool = ScriptedProvider.lastRole(request).equals("tool");
      if (said.contains("disk")) {
        return afterTool ? ScriptedModel.text("The sandbox says **hello**. ", "Its workspace is ", "`/workspace`.")
            : ScriptedModel.toolCall("call_exec", "exec", "{\"command\":\"echo hello-from-the-sandbox; id -u\"}");
      }
      if (said.contains("escape")) {
        return afterTool ? ScriptedModel.text("I cannot ", "use docker here.")
            : ScriptedModel.toolCall("call_docker", "docker", "{\"args\":\"run --privileged -v /:/host\"}");
      }
      if (said.contains("hostile")) {
        return ScriptedModel.text(HOSTILE_ANSWER);
      }
      if (said.contains("slow")) {
        return new FakeUpstream.Stream(ScriptedModel.text("one ", "two ", "three ", "four ", "five ", "six ",
            "seven ", "eight ", "nine ", "ten").events(), Duration.ofMillis(500), FakeUpstream.End.DONE);
      }
      return ScriptedModel.text("Hello.");
    };
  }

  static String lastUserMessage(JsonNode request) {
    String said = "";
    for (JsonNode message : request.path("messages")) {
      if (message.path("role").asText().equals("user")) {
        said = message.path("content").asText();
      }
    }
    return said;
  }

  /** A page on another port of 127.0.0.1 (same site, another origin) that posts to the gateway with the cookie. */
  static HttpServer anotherSite(String gateway) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    String page = """
        <!doctype html><title>other</title><script>
        const body = JSON.stringify({agent: "main", title: "forged by another site"});
        fetch("%s/v1/sessions", {method: "POST", mode: "no-cors", credentials: "include",
          headers: {"Content-Type": "text/plain"}, body})
          .then(() => { document.title = "sent"; }, () => { document.title = "failed"; });
        </script>""".formatted(gateway);
    server.createContext("/", exchange -> {
      byte[] bytes = page.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    return server;
  }

  void screenshot(String name) throws Exception {
    browser.screenshot(SCREENSHOTS.resolve(name + ".png"));
  }

  void send(String text) throws Exception {
    browser.type("#message", text + "\uE007"); // and Enter
  }

  void signInWithToken() throws Exception {
    browser.open(gateway.baseUrl() + "/");
    browser.waitUntil("the sign-in page", "!document.getElementById('page-signin').hidden");
    browser.type("#token", RunningGateway.TOKEN);
    browser.click("#signin-form button[type=submit]");
    browser.waitUntil("the chat page", "!document.getElementById('page-chat').hidden");
  }

  void pickAgent(String agent) throws Exception {
    browser.script("const s = document.getElementById('agent'); s.value = arguments[0];"
        + " s.dispatchEvent(new Event('change'));", agent);
  }

  void newSession() throws Exception {
    browser.click("#new-session");
    browser.waitUntil("an empty transcript", "document.querySelectorAll('#transcript li').length === 0");
  }

  @Test
  @Order(1)
  void signInAndChatWithAToolCallThatRunsInTheSandbox() throws Exception {
    browser.open(gateway.baseUrl() + "/");
    browser.waitUntil("the sign-in page", "!document.getElementById('page-signin').hidden");
    screenshot("01-sign-in");
    signInWithToken();
    assertThat(browser.script("return document.cookie;").asText()).as("HttpOnly: no script sees it").isEmpty();
    assertThat(browser.script("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage);").asText())
        .doesNotContain(RunningGateway.TOKEN);

    send("How much disk does the workspace use?");
    browser.waitUntil("the answer", "document.querySelector('#transcript .done')");
    assertThat(browser.text("#transcript .tool summary")).contains("exec").contains("done");
    assertThat(browser.text("#transcript .tool .result")).contains("hello-from-the-sandbox").contains("1000");
    assertThat(browser.text("#transcript .assistant strong")).isEqualTo("hello");
    assertThat(browser.text("#transcript .assistant code")).isEqualTo("/workspace");
    assertThat(browser.text("#sessions button[aria-current]")).isEqualTo("How much disk does the workspace use?");
    browser.script("document.querySelector('#transcript .tool details').open = true;");
    screenshot("02-chat-tool-call");
  }

  @Test
  @Order(2)
  void aDeniedToolIsMarked() throws Exception {
    newSession();
    send("Please escape the sandbox");
    browser.waitUntil("the answer", "document.querySelector('#transcript .done')");
    assertThat(browser.text("#transcript .denied summary")).contains("Denied: docker").contains("gateway");
    browser.script("document.querySelector('#transcript .denied details').open = true;");
    screenshot("03-denied-tool");
  }

  @Test
  @Order(3)
  void aHostileModelAnswerIsRenderedInert() throws Exception {
    newSession();
    send("Give me a hostile answer");
    browser.waitUntil("the answer", "document.querySelector('#transcript .done')");
    assertThat(browser.script("return window.__pwned === undefined;").asBoolean()).as("no script ran").isTrue();
    assertThat(browser.script("return document.querySelectorAll('#transcript script, #transcript img,"
        + " #transcript [onerror], #transcript b').length;").asInt()).isZero();
    assertThat(browser.script("return [...document.querySelectorAll('a')].filter(a =>"
        + " !/^(https?|mailto):/.test(a.href)).length;").asInt()).as("no javascript: href").isZero();
    assertThat(browser.script("const a = document.querySelector('#transcript a'); return a.href + ' ' + a.rel;")
        .asText()).isEqualTo("https://example.com/docs noopener noreferrer");
    String text = browser.text("#transcript .assistant");
    assertThat(text).contains("<script>window.__pwned = 'script'</script>").contains("click me (javascript:")
        .contains("<b>not bold</b>");
    // clicking where the javascript: link would be does nothing either
    browser.script("[...document.querySelectorAll('#transcript .assistant *')].filter(e => e.tagName !== 'A')"
        + ".forEach(e => e.click());");
    assertThat(browser.script("return window.__pwned === undefined;").asBoolean()).isTrue();
    screenshot("04-safe-markdown");
  }

  @Test
  @Order(4)
  void aRunCanBeAborted() throws Exception {
    newSession();
    send("Count slowly to ten");
    browser.waitUntil("the first words", "document.querySelector('#transcript .assistant')");
    browser.click("#abort");
    browser.waitUntil("the run's end", "document.querySelector('#transcript .done')");
    assertThat(browser.text("#transcript .done")).contains("aborted");
    assertThat(browser.text("#transcript .assistant")).doesNotContain("ten");
    screenshot("05-aborted");
  }

  @Test
  @Order(5)
  void aRunStartedBeforeAReloadIsFollowedToItsEnd() throws Exception {
    newSession();
    send("Count slowly to ten once more");
    browser.waitUntil("the first words", "document.querySelector('#transcript .assistant')");
    browser.reload();
    browser.waitUntil("the session list", "[...document.querySelectorAll('#sessions button')]"
        + ".some(b => b.textContent === 'Count slowly to ten once more')");
    browser.script("[...document.querySelectorAll('#sessions button')]"
        + ".find(b => b.textContent === 'Count slowly to ten once more').click();");
    browser.waitUntil("the run's end, read from the transcript", "document.querySelector('#transcript .done')");
    assertThat(browser.text("#transcript .assistant")).isEqualTo("one two three four five six seven eight nine ten");
    assertThat(browser.text("#transcript .done")).isEqualTo("Done");
  }

  @Test
  @Order(6)
  void aReloadStaysSignedInAndSessionsAreSearchable() throws Exception {
    browser.reload();
    browser.waitUntil("the chat page", "!document.getElementById('page-chat').hidden");
    browser.waitUntil("the sessions", "document.querySelectorAll('#sessions li').length >= 4");
    browser.type("#search", "escape");
    browser.waitUntil("one match", "document.querySelectorAll('#sessions li').length === 1");
    browser.click("#sessions button");
    browser.waitUntil("its transcript", "document.querySelector('#transcript .denied')");
    browser.script("document.getElementById('search').value = ''; document.getElementById('search')"
        + ".dispatchEvent(new Event('input'));");
    pickAgent("research");
    browser.waitUntil("the other agent's empty list", "document.querySelectorAll('#sessions li').length === 0");
    pickAgent("main");
    browser.waitUntil("main's sessions again", "document.querySelectorAll('#sessions li').length >= 4");
  }

  @Test
  @Order(7)
  void theControlPagesShowSandboxesUsageHealthAndConfig() throws Exception {
    browser.open(gateway.baseUrl() + "/#sandboxes");
    browser.waitUntil("the sandbox page", "document.querySelector('#sandboxes-body table td')");
    assertThat(browser.text("#sandboxes-body")).contains("sandbox.memory").contains("instance " + docker.instance);
    if (!docker.containers().isEmpty()) { // another process on this Docker host may have removed it meanwhile
      assertThat(browser.text("#sandboxes-body")).contains("a-main-").contains("running");
    }
    screenshot("06-sandboxes");
    browser.open(gateway.baseUrl() + "/#usage");
    browser.waitUntil("the usage report", "document.querySelector('#usage-body p')");
    screenshot("07-usage");
    RawHttp.send(InetAddress.getLoopbackAddress(), egress.address().getPort(), "CONNECT", "exfiltrate.example:443",
        List.of(Map.entry("Host", "exfiltrate.example:443")), "");
    RawHttp.send(InetAddress.getLoopbackAddress(), docker.proxied.host().port(), "POST", "/v1.41/containers/create",
        List.of(Map.entry("Host", "docker"), Map.entry("Content-Type", "application/json")),
        "{\"Image\":\"alpine\",\"HostConfig\":{\"Privileged\":true}}");
    browser.open(gateway.baseUrl() + "/#refusals");
    browser.waitUntil("the refusals", "document.querySelectorAll('#refusals-body table').length === 2");
    assertThat(browser.text("#refusals-body")).contains("exfiltrate.example:443").contains("/containers/create");
    screenshot("08-refusals");
    browser.open(gateway.baseUrl() + "/#health");
    browser.waitUntil("the health table", "document.querySelectorAll('#health-body tr').length >= 5");
    assertThat(browser.text("#health-body")).contains("router").contains("socket-proxy").contains("egress");
    screenshot("09-health");
    browser.open(gateway.baseUrl() + "/#config");
    browser.waitUntil("the config", "document.getElementById('config-body').textContent.length > 10");
    assertThat(browser.text("#config-body")).contains("max_sandboxes").doesNotContain(RunningGateway.TOKEN)
        .doesNotContain(RunningRouter.MASTER_KEY);
    screenshot("10-config");
  }

  @Test
  @Order(8)
  void onAPhoneAndInTheDark() throws Exception {
    browser.resize(390, 844);
    browser.colorScheme("dark");
    browser.open(gateway.baseUrl() + "/#chat");
    browser.waitUntil("the sessions", "document.querySelectorAll('#sessions li').length >= 4");
    browser.click("#sessions li:last-child button");
    browser.waitUntil("a transcript", "document.querySelector('#transcript .done')");
    screenshot("11-phone-dark");
    browser.colorScheme("light");
    browser.resize(1280, 820);
  }

  @Test
  @Order(9)
  void anotherSiteCannotUseTheSignedInBrowsersCookie() throws Exception {
    browser.open("http://127.0.0.1:" + otherSite.getAddress().getPort() + "/");
    browser.waitUntil("the forged request to be sent", "document.title === 'sent' || document.title === 'failed'");
    JsonNode sessions = JSON.readTree(gateway.get("/v1/sessions?limit=1000").body()).path("sessions");
    for (JsonNode session : sessions) {
      assertThat(session.path("title").asText()).isNotEqualTo("forged by another site");
    }
  }

  @Test
  @Order(10)
  void signOutThenAOneTimeLinkSignsInOnce() throws Exception {
    browser.open(gateway.baseUrl() + "/#chat");
    browser.waitUntil("the chat page", "!document.getElementById('page-chat').hidden");
    browser.click("#sign-out");
    browser.waitUntil("the sign-in page", "!document.getElementById('page-signin').hidden");
    browser.reload();
    browser.waitUntil("still signed out", "!document.getElementById('page-signin').hidden");

    String link = gateway.server().signInLink();
    browser.open(link);
    browser.waitUntil("the chat page", "!document.getElementById('page-chat').hidden");
    assertThat(browser.script("return location.href;").asText()).doesNotContain("signin").endsWith("#chat");
    browser.click("#sign-out");
    browser.waitUntil("the sign-in page", "!document.getElementById('page-signin').hidden");
    browser.open(link);
    browser.waitUntil("the refusal", "document.getElementById('signin-error').textContent.includes('expired')");
    assertThat(browser.text("#signin-error")).contains("expired or was already used");
    screenshot("12-used-link");
  }
}
