package dev.clincher.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A real headless Chromium driven through Debian's {@code chromedriver} with the W3C WebDriver protocol (JSON over
 * HTTP on loopback) — a few dozen lines instead of a browser-automation library. Chromium talks to nothing but the
 * gateway under test: background networking, updates and sync are off. Every wait is bounded.
 */
public final class Browser implements AutoCloseable {
  public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final List<Path> CHROMIUM = List.of(Path.of("/usr/lib/chromium/chromium"), Path.of("/usr/bin/chromium"));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
  static final Duration WAIT = Duration.ofSeconds(20);

  private final Process driver;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;
  private final String session;

  /** Whether Chromium and chromedriver are installed (the browser tests skip without them, except under CI). */
  public static boolean installed() {
    return Files.isExecutable(CHROMEDRIVER) && CHROMIUM.stream().anyMatch(Files::isExecutable);
  }

  /** Starts chromedriver and one headless Chromium window of {@code width} x {@code height} CSS pixels. */
  public static Browser start(Path profile, int width, int height) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Process driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
        .redirectErrorStream(true).redirectOutput(profile.resolve("chromedriver.log").toFile()).start();
    try {
      return new Browser(driver, URI.create("http://127.0.0.1:" + port), profile, width, height);
    } catch (Exception e) {
      driver.destroyForcibly();
      throw e;
    }
  }

  private Browser(Process driver, URI base, Path profile, int width, int height) throws Exception {
    this.driver = driver;
    this.base = base;
    waitFor("chromedriver to listen", () -> ready());
    Path binary = CHROMIUM.stream().filter(Files::isExecutable).findFirst().orElseThrow();
    ObjectNode options = JSON.createObjectNode().put("binary", binary.toString());
    ArrayNode args = options.putArray("args");
    for (String arg : List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=" + width + "," + height, "--user-data-dir=" + profile.resolve("chromium"),
        "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
        "--hide-scrollbars", "--force-device-scale-factor=1", "--no-pings", "--disable-domain-reliability",
        "--disable-client-side-phishing-detection", "--disable-features=OptimizationHints,MediaRouter,Translate",
        // loopback goes direct; anything else would meet a closed port, never the network
        "--proxy-server=http://127.0.0.1:9")) {
      args.add(arg);
    }
    ObjectNode capabilities = JSON.createObjectNode();
    capabilities.putObject("capabilities").putObject("alwaysMatch").put("browserName", "chrome")
        .set("goog:chromeOptions", options);
    this.session = call("POST", "/session", capabilities).path("sessionId").asText();
  }

  /** Opens {@code url} and waits for the page to load. */
  public void open(String url) throws Exception {
    command("POST", "/url", JSON.createObjectNode().put("url", url));
  }

  public void reload() throws Exception {
    command("POST", "/refresh", JSON.createObjectNode());
  }

  /** Resizes the window to {@code width} x {@code height} CSS pixels. */
  public void resize(int width, int height) throws Exception {
    command("POST", "/window/rect", JSON.createObjectNode().put("width", width).put("height", height));
  }

  /** Emulates {@code prefers-color-scheme: scheme} ({@code light} or {@code dark}) through the DevTools protocol. */
  public void colorScheme(String scheme) throws Exception {
    ObjectNode params = JSON.createObjectNode();
    params.putArray("features").addObject().put("name", "prefers-color-scheme").put("value", scheme);
    command("POST", "/goog/cdp/execute", JSON.createObjectNode().put("cmd", "Emulation.setEmulatedMedia")
        .set("params", params));
  }

  /** Runs {@code script} (a function body; {@code arguments} are the args) in the page and returns its value. */
  public JsonNode script(String script, Object... arguments) throws Exception {
    ObjectNode body = JSON.createObjectNode().put("script", script);
    body.set("args", JSON.valueToTree(arguments));
    return command("POST", "/execute/sync", body);
  }

  /** The first element matching {@code css}, waiting for it to exist. */
  public String element(String css) throws Exception {
    String[] found = new String[1];
    waitFor("an element " + css, () -> {
      JsonNode answer = callQuietly("POST", "/session/" + session + "/element",
          JSON.createObjectNode().put("using", "css selector").put("value", css));
      found[0] = answer == null ? null : answer.path("value").path(ELEMENT).asText(null);
      return found[0] != null;
    });
    return found[0];
  }

  public void click(String css) throws Exception {
    command("POST", "/element/" + element(css) + "/click", JSON.createObjectNode());
  }

  public void type(String css, String text) throws Exception {
    command("POST", "/element/" + element(css) + "/value", JSON.createObjectNode().put("text", text));
  }

  /** The text of the first element matching {@code css} (as the page's {@code textContent}). */
  public String text(String css) throws Exception {
    return script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css).asText("");
  }

  /** Waits until {@code condition} (a JavaScript expression) is true in the page. */
  public void waitUntil(String description, String condition) throws Exception {
    waitFor(description, () -> {
      try {
        return script("return Boolean(" + condition + ");").asBoolean();
      } catch (Exception e) {
        return false;
      }
    });
  }

  /** Saves a PNG screenshot of the window to {@code file}. */
  public void screenshot(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(command("GET", "/screenshot", null).asText()));
  }

  private JsonNode command(String method, String path, JsonNode body) throws Exception {
    return call(method, "/session/" + session + path, body).path("value");
  }

  private JsonNode call(String method, String path, JsonNode body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json");
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body.toString()));
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode answer = JSON.readTree(response.body());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("WebDriver " + method + " " + path + " answered " + response.statusCode()
          + ": " + answer.path("value").path("message").asText(response.body()));
    }
    return path.equals("/session") ? answer.path("value") : answer;
  }

  private JsonNode callQuietly(String method, String path, JsonNode body) {
    try {
      return call(method, path, body);
    } catch (Exception e) {
      return null;
    }
  }

  private boolean ready() {
    JsonNode status = callQuietly("GET", "/status", null);
    return status != null && status.path("value").path("ready").asBoolean();
  }

  /** Polls {@code condition} every 100 ms for at most {@link #WAIT}. */
  public static void waitFor(String description, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(WAIT);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("waited " + WAIT.toSeconds() + " s for " + description);
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() {
    try {
      if (session != null) {
        call("DELETE", "/session/" + session, null);
      }
    } catch (Exception e) {
      // the driver is stopped below either way
    } finally {
      driver.destroy();
      try {
        if (!driver.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
          driver.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        driver.destroyForcibly();
      }
    }
  }
}
