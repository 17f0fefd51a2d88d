package dev.clincher.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.manage.Management;
import dev.clincher.router.manage.ManagementException;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiteLLM's management routes over HTTP, for the master key ({@link Management} does the work):
 *
 * <pre>
 *   /key/generate /key/update /key/regenerate /key/{token}/regenerate /key/block /key/unblock /key/delete  POST
 *   /key/info?key= /key/list                                                                          GET
 *   /team/new /team/update /team/delete /team/member_add /team/member_delete /team/block /team/unblock  POST
 *   /team/info?team_id= /team/list                                                                     GET
 *   /user/new /user/update /user/delete                                                                POST
 *   /user/info?user_id= /user/list                                                                     GET
 * </pre>
 *
 * A virtual key may read its own {@code /key/info} (as in LiteLLM). Refusals are OpenAI errors naming the field; a
 * key in a URL is refused (URLs end up in logs): name it by its token there.
 */
final class ManagementRoutes {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  private static final Pattern REGENERATE = Pattern.compile("/key/([^/]+)/regenerate");
  private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{64}");

  private final Management management;
  private final ObjectMapper json;

  ManagementRoutes(Management management, ObjectMapper json) {
    this.management = management;
    this.json = json;
  }

  /** Whether {@code path} is one of these routes. */
  static boolean owns(String path) {
    return path.startsWith("/key/") || path.startsWith("/team/") || path.startsWith("/user/");
  }

  /** Serves one management request (the caller is the master key); completes the exchange. */
  void handle(Exchange exchange, String path, String method, byte[] body) {
    Matcher regenerate = REGENERATE.matcher(path);
    Optional<Management.Route> route = regenerate.matches() ? Optional.of(Management.Route.KEY_REGENERATE)
        : Management.Route.of(path);
    if (route.isEmpty()) {
      exchange.sendError(new OpenAiError(404, "no such route", "invalid_request_error", null, "not_found",
          Optional.empty()));
      return;
    }
    if (!route.get().method().equals(method)) {
      exchange.response.getHeaders().put(HttpHeader.ALLOW, route.get().method());
      exchange.sendError(new OpenAiError(405, "use " + route.get().method() + " on " + route.get().path(),
          "invalid_request_error", null, "method_not_allowed", Optional.empty()));
      return;
    }
    try {
      JsonNode input = "GET".equals(method) ? query(exchange) : object(body);
      if (regenerate.matches()) {
        ((ObjectNode) input).put("key", tokenInPath(regenerate.group(1)));
      }
      exchange.sendJson(200, management.handle(route.get(), input));
    } catch (ManagementException e) {
      exchange.sendError(new OpenAiError(e.status(), e.getMessage(), "invalid_request_error", e.param(), e.code(),
          Optional.empty()));
    } catch (SQLException e) {
      LOG.atError().addKeyValue("sql_state", e.getSQLState()).addKeyValue("route", route.get().path())
          .log("router.keys.db_failed");
      exchange.sendError(new OpenAiError(503, "the key database is unavailable", "api_error", null,
          "database_unavailable", Optional.empty()));
    }
  }

  /** {@code GET /key/info} with a virtual key: that key's own record and spend (any {@code key} parameter ignored). */
  void ownInfo(Exchange exchange, VirtualKey key) {
    exchange.sendJson(200, management.ownKeyInfo(key));
  }

  /** LiteLLM's {@code /key/{key}/regenerate}: here only a token, since a URL ends up in logs. */
  private static String tokenInPath(String text) throws ManagementException {
    if (!TOKEN.matcher(text).matches()) {
      throw ManagementException.badRequest("key", "name the key by its token (SHA-256) in a URL, never the key "
          + "itself; or POST /key/regenerate {\"key\": …}");
    }
    return text;
  }

  private JsonNode object(byte[] body) throws ManagementException {
    try {
      JsonNode tree = body.length == 0 ? json.createObjectNode() : json.readTree(body);
      if (tree == null || !tree.isObject()) {
        throw ManagementException.badRequest(null, "the request body must be a JSON object");
      }
      return tree;
    } catch (IOException e) {
      throw ManagementException.badRequest(null, "the request body is not valid JSON");
    }
  }

  /** The query parameters as text fields (the first value of each). */
  private ObjectNode query(Exchange exchange) {
    Fields fields = Request.extractQueryParameters(exchange.request);
    ObjectNode input = json.createObjectNode();
    for (Fields.Field field : fields) {
      input.put(field.getName(), field.getValue());
    }
    return input;
  }
}
