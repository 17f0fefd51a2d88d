package dev.clincher.socketproxy.proxy;

import dev.clincher.common.metrics.LatencyBuckets;
import io.micrometer.core.instrument.Counter;
import dev.clincher.common.log.RecentRefusals;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Records every decision: one JSON log line ({@code socketproxy.decision} with id, method, path, op, rule,
 * decision, reason, status) and the counter {@code clincher_socketproxy_decisions_total{decision,rule}}; a denial
 * also joins the {@link RecentRefusals} served at {@code /refusals/recent}. Every request's duration goes to
 * {@code clincher_socketproxy_request_duration_seconds} (a histogram). Never logs request bodies, queries or header
 * values.
 */
public final class Decisions {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.socketproxy");
  private static final int MAX_LOGGED_PATH = 200;

  private final MeterRegistry registry;
  private final String profile;
  private final RecentRefusals refusals;

  public Decisions(MeterRegistry registry, String profile, RecentRefusals refusals) {
    this.registry = registry;
    this.profile = profile;
    this.refusals = refusals;
    this.requestDuration = LatencyBuckets.timer("clincher.socketproxy.request.duration")
        .description("Requests on the proxy's port, from the first byte to the last answered byte")
        .register(registry);
  }

  private final Timer requestDuration;
  /** The decision counters by decision and rule (the rules are the policy's fixed names, so the map stays small). */
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  /** One request done (allowed and forwarded, refused, or a health or metrics request). */
  void requestDone(long nanos) {
    requestDuration.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** The counter for one decision and rule (for tests and dashboards). */
  public double count(String decision, String rule) {
    Counter counter = registry.find("clincher.socketproxy.decisions").tag("decision", decision).tag("rule", rule)
        .counter();
    return counter == null ? 0 : counter.count();
  }

  void allow(String id, String method, String path, String op, String rule) {
    record("allow", rule);
    decisionLine(LOG.atInfo(), id, method, path, op, rule, "allow").log("socketproxy.decision");
  }

  void deny(String id, String method, String path, String op, String rule, String reason, int status) {
    record("deny", rule);
    refusals.add("method", method, "path", shorten(path), "op", op, "rule", rule, "reason", reason,
        "status", status);
    decisionLine(LOG.atWarn(), id, method, path, op, rule, "deny")
        .addKeyValue("reason", reason)
        .addKeyValue("status", status)
        .log("socketproxy.decision");
  }

  /** The fields every decision line has, in this order. */
  private LoggingEventBuilder decisionLine(LoggingEventBuilder line, String id, String method, String path, String op,
      String rule, String decision) {
    return line
        .addKeyValue("id", id)
        .addKeyValue("profile", profile)
        .addKeyValue("method", method)
        .addKeyValue("path", shorten(path))
        .addKeyValue("op", op)
        .addKeyValue("rule", rule)
        .addKeyValue("decision", decision);
  }

  private void record(String decision, String rule) {
    counters.computeIfAbsent(decision + ' ' + rule, key -> Counter.builder("clincher.socketproxy.decisions")
        .description("Socket proxy decisions by decision and rule")
        .tag("decision", decision)
        .tag("rule", rule)
        .register(registry))
        .increment();
  }

  private static String shorten(String path) {
    return path.length() > MAX_LOGGED_PATH ? path.substring(0, MAX_LOGGED_PATH) + "…" : path;
  }
}
