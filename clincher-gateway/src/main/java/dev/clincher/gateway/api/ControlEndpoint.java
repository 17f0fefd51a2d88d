package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.config.RotatingSecret;
import dev.clincher.common.config.Secret;
import dev.clincher.common.health.Health;
import dev.clincher.common.log.RecentRefusals;
import dev.clincher.gateway.sandbox.AgentSandboxes;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SandboxInfo;
import dev.clincher.gateway.sandbox.SandboxManager;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control pages' data, read-only but for one action; every route is behind {@link ApiAccess} like the rest:
 *
 * <pre>
 *   GET  /v1/control/sandboxes            every sandbox container (agent, session, state, age), each manager's limits
 *   POST /v1/control/sandboxes/recreate   {"key":…}: remove that sandbox's container (its workspace stays)
 *   GET  /v1/control/usage                spend per model and key for the last 30 days, from the router (with its key)
 *   GET  /v1/control/health               readiness of the gateway, router, socket proxy and egress proxy
 *   GET  /v1/control/refusals             the egress and socket proxies' recent refusals (their /refusals/recent)
 *   GET  /v1/control/config               the effective gateway configuration, secrets redacted
 * </pre>
 *
 * The proxies' {@code /refusals/recent} sits behind their metrics token when they have one; the gateway does not
 * hold it, so such a proxy answers 401 and the page says so.
 */
public final class ControlEndpoint {
  static final String PREFIX = "/v1/control/";
  private static final String READINESS = "/health/readiness";
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.control");

  /**
   * Where the other services are and what the gateway knows of itself.
   *
   * @param routerUrl the router's base URL
   * @param routerKey the gateway's key to the router (a master key can read spend; a virtual key gets the router's 403)
   * @param socketProxyUrl the socket proxy's base URL, when the Docker host is TCP
   * @param egressUrl the egress proxy's base URL, when one is configured
   * @param config the effective configuration, already redacted ({@link RedactedConfig})
   */
  public record Services(URI routerUrl, RotatingSecret routerKey, Optional<URI> socketProxyUrl, Optional<URI> egressUrl,
      JsonNode config) {}

  private final AgentSandboxes sandboxes;
  private final Health health;
  private final Services services;
  private final ServiceProbe probe;
  private final ObjectMapper json;
  private final Clock clock;

  public ControlEndpoint(AgentSandboxes sandboxes, Health health, Services services, ObjectMapper json, Clock clock) {
    this.sandboxes = sandboxes;
    this.health = health;
    this.services = services;
    this.probe = new ServiceProbe(json);
    this.json = json;
    this.clock = clock;
  }

  void handle(ApiExchange exchange, String method, String path) throws Exception {
    switch (path.substring(PREFIX.length())) {
      case "sandboxes" -> GatewayHandler.requireMethod(exchange, method, "GET", () -> sandboxList(exchange));
      case "sandboxes/recreate" -> GatewayHandler.requireMethod(exchange, method, "POST", () -> recreate(exchange));
      case "usage" -> GatewayHandler.requireMethod(exchange, method, "GET", () -> usage(exchange));
      case "health" -> GatewayHandler.requireMethod(exchange, method, "GET", () -> healthOfAll(exchange));
      case "refusals" -> GatewayHandler.requireMethod(exchange, method, "GET", () -> refusals(exchange));
      case "config" -> GatewayHandler.requireMethod(exchange, method, "GET",
          () -> exchange.sendJson(200, (ObjectNode) services.config()));
      default -> exchange.sendError(404, "not_found", "no such route");
    }
  }

  private void sandboxList(ApiExchange exchange) throws InterruptedException {
    ObjectNode body = json.createObjectNode();
    ArrayNode list = body.putArray("sandboxes");
    ArrayNode managers = body.putArray("managers");
    for (SandboxManager manager : sandboxes.managers()) {
      ObjectNode limits = managers.addObject();
      manager.settings().describe().forEach(limits::put);
      limits.put("active", manager.active());
      try {
        manager.list().forEach(info -> list.add(sandboxJson(info, manager)));
      } catch (SandboxException e) {
        limits.put("error", e.getMessage());
      }
    }
    exchange.sendJson(200, body);
  }

  private ObjectNode sandboxJson(SandboxInfo info, SandboxManager manager) {
    ObjectNode node = json.createObjectNode();
    node.put("key", info.key());
    node.put("container", info.containerId().substring(0, Math.min(12, info.containerId().length())));
    node.put("agent", info.agent());
    node.put("session", info.session());
    node.put("state", info.state());
    node.put("current", info.current());
    node.put("instance", manager.settings().instance());
    if (info.createdAt() != null) {
      node.put("created_at", info.createdAt().toString());
      node.put("age_seconds", Duration.between(info.createdAt(), clock.instant()).toSeconds());
    }
    return node;
  }

  private void recreate(ApiExchange exchange) throws IOException, InterruptedException {
    Optional<JsonNode> body = exchange.readJsonObject(4096);
    if (body.isEmpty()) {
      return;
    }
    String key = body.get().path("key").asText("");
    for (SandboxManager manager : sandboxes.managers()) {
      try {
        if (manager.list().stream().anyMatch(info -> info.key().equals(key))) {
          manager.recreate(key);
          LOG.atInfo().addKeyValue("key", key).addKeyValue("instance", manager.settings().instance())
              .log("gateway.control.sandbox_recreated");
          exchange.sendJson(200, json.createObjectNode().put("recreated", key));
          return;
        }
      } catch (SandboxException e) {
        exchange.sendError(502, "docker_error", e.getMessage());
        return;
      }
    }
    exchange.sendError(404, "not_found", "no sandbox with that key");
  }

  private void usage(ApiExchange exchange) {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    String start = today.minusDays(30).toString();
    URI report = services.routerUrl().resolve("/global/spend/report?group_by=model,api_key&start_date=" + start
        + "&end_date=" + today);
    ServiceProbe.Answer answer = probe.get(report, Optional.of(services.routerKey().current()));
    ObjectNode body = json.createObjectNode().put("since", start).put("status", answer.status());
    body.set("report", answer.body());
    exchange.sendJson(200, body);
  }

  private void healthOfAll(ApiExchange exchange) {
    ObjectNode body = json.createObjectNode();
    ArrayNode list = body.putArray("services");
    ObjectNode gateway = list.addObject().put("name", "gateway").put("url", "(this process)");
    var report = health.readiness();
    gateway.put("status", report.httpStatus());
    gateway.set("body", probe.parse(report.toJson()));
    addProbe(list, "router", Optional.of(services.routerUrl()), READINESS);
    addProbe(list, "socket-proxy", services.socketProxyUrl(), READINESS);
    addProbe(list, "egress", services.egressUrl(), READINESS);
    exchange.sendJson(200, body);
  }

  private void refusals(ApiExchange exchange) {
    ObjectNode body = json.createObjectNode();
    ArrayNode list = body.putArray("services");
    addProbe(list, "egress", services.egressUrl(), RecentRefusals.PATH);
    addProbe(list, "socket-proxy", services.socketProxyUrl(), RecentRefusals.PATH);
    exchange.sendJson(200, body);
  }

  private void addProbe(ArrayNode list, String name, Optional<URI> base, String path) {
    ObjectNode node = list.addObject().put("name", name);
    if (base.isEmpty()) {
      node.put("url", "").put("status", 0).put("detail", "not configured");
      return;
    }
    ServiceProbe.Answer answer = probe.get(base.get().resolve(path), Optional.empty());
    node.put("url", base.get().toString()).put("status", answer.status());
    node.set("body", answer.body());
  }
}
