package dev.clincher.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The container health check: GETs a health URL directly (never through a proxy, never following redirects) and
 * exits 0 on HTTP 200, 1 on any other answer or none, 2 on a bad URL; the answer's first line is printed, so
 * {@code docker inspect} shows why a check failed.
 *
 * <p>Its own entry point, {@code java -cp clincher.jar dev.clincher.app.HealthProbe [URL]}, because a container runs
 * it every few seconds: without the command-line framework and logging it costs about 0.1 s of CPU instead of 0.6 s.
 * {@code clincher health} is the same check for people.
 */
public final class HealthProbe {
  /** The variable naming the URL when none is given (set per service in the compose file). */
  public static final String URL_VARIABLE = "CLINCHER_HEALTH_URL";
  /** How much of the answer is read and shown. */
  static final int MAX_BODY_BYTES = 4096;
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

  private HealthProbe() {}

  public static void main(String[] args) {
    if (args.length > 1) {
      System.err.println("usage: HealthProbe [URL] (default: $" + URL_VARIABLE + ")");
      System.exit(2);
    }
    System.exit(check(args.length == 1 ? args[0] : null, DEFAULT_TIMEOUT, System.getenv(), System.out, System.err));
  }

  /** Checks {@code url} (or the environment's); returns the exit code: 0 healthy, 1 not, 2 bad URL. */
  static int check(String url, Duration timeout, Map<String, String> env, PrintStream out, PrintStream err) {
    URI target;
    try {
      target = target(url != null ? url : env.get(URL_VARIABLE));
    } catch (IllegalArgumentException e) {
      err.println("health: " + e.getMessage());
      return 2;
    }
    try {
      HttpURLConnection connection = (HttpURLConnection) target.toURL().openConnection(Proxy.NO_PROXY);
      try {
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setConnectTimeout((int) Math.max(1, timeout.toMillis()));
        connection.setReadTimeout((int) Math.max(1, timeout.toMillis()));
        connection.setRequestProperty("User-Agent", "clincher-health");
        int status = connection.getResponseCode();
        String line = firstLine(status >= 400 ? connection.getErrorStream() : connection.getInputStream());
        (status == 200 ? out : err).println("health: HTTP " + status + " " + line);
        return status == 200 ? 0 : 1;
      } finally {
        connection.disconnect();
      }
    } catch (IOException e) {
      err.println("health: " + target + " did not answer (" + e.getClass().getSimpleName() + ": " + e.getMessage()
          + ")");
      return 1;
    }
  }

  /** The URL to check: http or https, with a host and no credentials. */
  static URI target(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("no URL: give one or set " + URL_VARIABLE);
    }
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
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
