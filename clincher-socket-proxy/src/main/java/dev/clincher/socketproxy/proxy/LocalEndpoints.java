package dev.clincher.socketproxy.proxy;

import dev.clincher.common.health.Health;
import dev.clincher.common.health.HealthReport;
import dev.clincher.common.log.RecentRefusals;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.MetricsAccess;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The proxy's own endpoints on its port: {@code /health/liveliness}, {@code /health/readiness}, {@code /metrics}
 * (only for the metrics token, {@link MetricsAccess}) and {@code /refusals/recent} (the last denials with rule and
 * reason, behind the metrics token when there is one). Docker's API has no path under {@code /health},
 * {@code /metrics} or {@code /refusals} (with or without a version prefix), so these never shadow a Docker route;
 * {@code /_ping} and every Docker path still reach the policy.
 */
public final class LocalEndpoints {
  private final Health health;
  private final Metrics metrics;
  private final MetricsAccess metricsAccess;
  private final RecentRefusals refusals;

  public LocalEndpoints(Health health, Metrics metrics, MetricsAccess metricsAccess, RecentRefusals refusals) {
    this.health = health;
    this.metrics = metrics;
    this.metricsAccess = metricsAccess;
    this.refusals = refusals;
  }

  /** Whether this path is served here rather than by Docker. */
  static boolean handles(String path) {
    return switch (path) {
      case "/health/liveliness", "/health/liveness", "/health/readiness", "/metrics", RecentRefusals.PATH -> true;
      default -> false;
    };
  }

  /** The complete response; only GET and HEAD are served. */
  byte[] respond(String method, String path, Optional<String> authorization) {
    boolean head = method.equals("HEAD");
    if (!method.equals("GET") && !head) {
      return Responses.error(405, "method_not_allowed", "only GET and HEAD are served here", head);
    }
    return switch (path) {
      case "/health/readiness" -> health(health.readiness(), head);
      case "/metrics" -> metrics(authorization, head);
      case RecentRefusals.PATH -> refusals(authorization, head);
      default -> health(health.liveliness(), head);
    };
  }

  private static byte[] health(HealthReport report, boolean head) {
    return Responses.response(report.httpStatus(), "application/json", "",
        (report.toJson() + "\n").getBytes(StandardCharsets.UTF_8), head);
  }

  private byte[] metrics(Optional<String> authorization, boolean head) {
    MetricsAccess.Decision decision = metricsAccess.decide(metrics.service(), authorization);
    if (!decision.allowed()) {
      return Responses.error(401, "unauthorized", decision.reason(), head);
    }
    return Responses.response(200, Metrics.CONTENT_TYPE, "", metrics.scrape().getBytes(StandardCharsets.UTF_8),
        head);
  }

  private byte[] refusals(Optional<String> authorization, boolean head) {
    if (!metricsAccess.decideOpenWithoutToken(metrics.service(), authorization).allowed()) {
      return Responses.error(401, "unauthorized", "a valid bearer token is required for " + RecentRefusals.PATH,
          head);
    }
    return Responses.response(200, "application/json", "", refusals.toJson().getBytes(StandardCharsets.UTF_8), head);
  }
}
