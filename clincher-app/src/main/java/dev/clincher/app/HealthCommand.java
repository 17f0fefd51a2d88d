package dev.clincher.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clincher health URL}: a container health check that needs no curl or wget in the image. GETs the URL
 * directly (never through a proxy, never following redirects) and exits 0 on HTTP 200, 1 on any other answer or
 * none, 2 on a bad URL. The answer's first line is printed, so {@code docker inspect} shows why a check failed.
 */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = "Check a health endpoint (exit 0 on HTTP 200, else 1): the container health check without curl.")
final class HealthCommand implements Callable<Integer> {
  /** The variable naming the URL when none is given (set per service in the compose file). */
  static final String URL_VARIABLE = "CLINCHER_HEALTH_URL";
  /** How much of the answer is read and shown. */
  static final int MAX_BODY_BYTES = 4096;

  @Spec
  CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "URL",
      description = "http(s)://HOST:PORT/health/readiness (default: $" + URL_VARIABLE + ").")
  String url;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "3s", converter = DurationConverter.class,
      description = "Connect and read timeout (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  private final Map<String, String> env;

  HealthCommand() {
    this(System.getenv());
  }

  HealthCommand(Map<String, String> env) {
    this.env = env;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    URI target;
    try {
      target = target();
    } catch (IllegalArgumentException e) {
      err.println("health: " + e.getMessage());
      err.flush();
      return 2;
    }
    try {
      Answer answer = get(target);
      (answer.status() == 200 ? out : err).println("health: HTTP " + answer.status() + " " + answer.firstLine());
      return answer.status() == 200 ? 0 : 1;
    } catch (IOException e) {
      err.println("health: " + target + " did not answer (" + e.getClass().getSimpleName() + ": " + e.getMessage()
          + ")");
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The URL to check: the argument, else the environment; http or https, with a host and no credentials. */
  URI target() {
    String text = url != null ? url : env.get(URL_VARIABLE);
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("no URL: give one or set " + URL_VARIABLE);
    }
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + e.getReason());
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("only http:// and https:// URLs are checked");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("credentials in the URL are refused (they would show in ps and logs)");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("the URL has no host");
    }
    return uri;
  }

  record Answer(int status, String firstLine) {}

  private Answer get(URI target) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) target.toURL().openConnection(Proxy.NO_PROXY);
    try {
      connection.setInstanceFollowRedirects(false);
      connection.setUseCaches(false);
      connection.setConnectTimeout((int) Math.max(1, timeout.toMillis()));
      connection.setReadTimeout((int) Math.max(1, timeout.toMillis()));
      connection.setRequestProperty("User-Agent", "clincher-health");
      int status = connection.getResponseCode();
      InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
      return new Answer(status, firstLine(body));
    } finally {
      connection.disconnect();
    }
  }

  private static String firstLine(InputStream body) throws IOException {
    if (body == null) {
      return "";
    }
    try (body) {
      String text = new String(body.readNBytes(MAX_BODY_BYTES), StandardCharsets.UTF_8);
      int end = text.indexOf('\n');
      return (end < 0 ? text : text.substring(0, end)).strip();
    }
  }
}
