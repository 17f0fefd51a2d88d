package dev.clincher.common.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer of a health endpoint: healthy overall, and each check by name (in registration order).
 * The JSON body is {@code {"status":"healthy","checks":{"redis":{"status":"healthy","detail":"ok"}}}}; a check's
 * status may also be {@code degraded} (it does not fail readiness, see {@link CheckResult#degraded}).
 */
public record HealthReport(boolean healthy, Map<String, CheckResult> checks) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public HealthReport {
    checks = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
  }

  /** A report that is healthy exactly when every check is. */
  public static HealthReport of(Map<String, CheckResult> checks) {
    boolean healthy = checks.values().stream().allMatch(CheckResult::healthy);
    return new HealthReport(healthy, checks);
  }

  /** The HTTP status for this report: 200 when healthy, else 503. */
  public int httpStatus() {
    return healthy ? 200 : 503;
  }

  public String toJson() {
    ObjectNode body = JSON.createObjectNode();
    body.put("status", status(healthy));
    ObjectNode checkNodes = body.putObject("checks");
    checks.forEach((name, result) -> checkNodes.putObject(name)
        .put("status", result.status())
        .put("detail", result.detail()));
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings always serializes", e);
    }
  }

  private static String status(boolean healthy) {
    return healthy ? "healthy" : "unhealthy";
  }
}
