package dev.clincher.egress;

import dev.clincher.common.health.Health;
import dev.clincher.common.health.HealthReport;
import dev.clincher.common.log.RecentRefusals;
import dev.clincher.common.http1.RawResponses;
import dev.clincher.common.http1.RequestHead;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.MetricsAccess;
import dev.clincher.egress.proxy.LocalEndpoints;
import dev.clincher.egress.proxy.Responses;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Health and metrics on the proxy's own port, as every Clincher service serves them: {@code /health/liveliness},
 * {@code /health/readiness} and {@code /metrics} (only for the metrics token, {@link MetricsAccess}), and
 * {@code /refusals/recent} (the last denials with host and reason, behind the same token when there is one).
 */
final class OpsEndpoints implements LocalEndpoints {
  private final Health health;
  private final Metrics metrics;
  private final MetricsAccess metricsAccess;
  private final RecentRefusals refusals;

  OpsEndpoints(Health health, Metrics metrics, MetricsAccess metricsAccess, RecentRefusals refusals) {
    this.health = health;
    this.metrics = metrics;
    this.metricsAccess = metricsAccess;
    this.refusals = refusals;
  }

  @Override
  public Optional<byte[]> respond(RequestHead head) {
    String path = head.target();
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    return switch (path) {
      case "/health/liveliness", "/health/liveness" -> Optional.of(health(health.liveliness(), head));
      case "/health/readiness" -> Optional.of(health(health.readiness(), head));
      case "/metrics" -> Optional.of(metrics(head));
      case RecentRefusals.PATH -> Optional.of(refusals(head));
      default -> Optional.empty();
    };
  }

  private static byte[] health(HealthReport report, RequestHead head) {
    return response(report.httpStatus(), "application/json", report.toJson() + "\n", head);
  }

  private byte[] metrics(RequestHead head) {
    MetricsAccess.Decision decision = metricsAccess.decide(metrics.service(), head.header("Authorization"));
    if (!decision.allowed()) {
      return Responses.error(401, "unauthorized", decision.reason());
    }
    return response(200, Metrics.CONTENT_TYPE, metrics.scrape(), head);
  }

  private byte[] refusals(RequestHead head) {
    MetricsAccess.Decision decision = metricsAccess.decideOpenWithoutToken(metrics.service(),
        head.header("Authorization"));
    if (!decision.allowed()) {
      return Responses.error(401, "unauthorized", "a valid bearer token is required for " + RecentRefusals.PATH);
    }
    return response(200, "application/json", refusals.toJson() + "\n", head);
  }

  private static byte[] response(int status, String contentType, String body, RequestHead head) {
    return RawResponses.response(status, contentType, "", body.getBytes(StandardCharsets.UTF_8),
        head.method().equals("HEAD"));
  }
}
