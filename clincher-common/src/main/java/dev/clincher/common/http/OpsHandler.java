package dev.clincher.common.http;

import dev.clincher.common.health.Health;
import dev.clincher.common.health.HealthReport;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.MetricsAccess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The operations endpoints every service has, in front of the service's own handler:
 *
 * <ul>
 *   <li>{@code GET /health/liveliness} (also {@code /health/liveness}): 200 while the process serves;
 *   <li>{@code GET /health/readiness}: 200 or 503 with each check in the JSON body;
 *   <li>{@code GET /metrics}: Prometheus text, only for the service's metrics token ({@link MetricsAccess}),
 *       else 401.
 * </ul>
 *
 * Any other path goes to the wrapped handler ({@link #setHandler}); with none, it is not handled (Jetty answers 404).
 */
public final class OpsHandler extends Handler.Wrapper {
  public static final String LIVELINESS_PATH = "/health/liveliness";
  public static final String LIVENESS_PATH = "/health/liveness";
  public static final String READINESS_PATH = "/health/readiness";
  public static final String METRICS_PATH = "/metrics";

  private static final java.util.Set<String> PATHS =
      java.util.Set.of(LIVELINESS_PATH, LIVENESS_PATH, READINESS_PATH, METRICS_PATH);

  private final Health health;
  private final Metrics metrics;
  private final MetricsAccess metricsAccess;

  /** @param metricsAccess who may read {@code /metrics} */
  public OpsHandler(Health health, Metrics metrics, MetricsAccess metricsAccess) {
    this.health = health;
    this.metrics = metrics;
    this.metricsAccess = metricsAccess;
  }

  /** Same, in front of {@code next}. */
  public OpsHandler(Health health, Metrics metrics, MetricsAccess metricsAccess, Handler next) {
    this(health, metrics, metricsAccess);
    setHandler(next);
  }


  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = Request.getPathInContext(request);
    if (!PATHS.contains(path)) {
      return super.handle(request, response, callback);
    }
    if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
      response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
      JsonErrors.send(response, callback, 405, "only GET and HEAD are allowed here");
      return true;
    }
    switch (path) {
      case METRICS_PATH -> serveMetrics(request, response, callback);
      case READINESS_PATH -> serveHealth(health.readiness(), response, callback);
      default -> serveHealth(health.liveliness(), response, callback);
    }
    return true;
  }

  private static void serveHealth(HealthReport report, Response response, Callback callback) {
    JsonErrors.sendJson(response, callback, report.httpStatus(), report.toJson());
  }

  private void serveMetrics(Request request, Response response, Callback callback) {
    MetricsAccess.Decision decision = metricsAccess.decide(metrics.service(),
        Optional.ofNullable(request.getHeaders().get(HttpHeader.AUTHORIZATION)));
    if (!decision.allowed()) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"metrics\"");
      JsonErrors.send(response, callback, 401, decision.reason());
      return;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Metrics.CONTENT_TYPE);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(metrics.scrape().getBytes(StandardCharsets.UTF_8)), callback);
  }
}
