package dev.clincher.router.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.keys.KeyGenerator;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.spend.BudgetPeriod;
import dev.clincher.router.spend.SpendControls;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiteLLM's key management API, for the master key only:
 *
 * <pre>
 *   POST /key/generate   {models, max_budget, budget_duration, rpm_limit, tpm_limit, duration | expires, metadata, key_alias}
 *   GET  /key/info?key=  a key or its token (SHA-256); with spend
 *   POST /key/delete     {keys: [key or token, …], key_aliases: [...]}
 *   GET  /key/list       ?page=1&amp;size=10&amp;return_full_object=true
 * </pre>
 *
 * A virtual key may call {@code GET /key/info} for itself (LiteLLM allows that too). The key itself appears only once, in the answer to {@code /key/generate}; everywhere else keys are named by their
 * {@code token} (SHA-256) or {@code key_name} ({@code sk-...abcd}). Fields LiteLLM has but this router does not
 * enforce (teams, users, per-model key budgets, …) are refused with 400 rather than silently ignored.
 */
final class KeyRoutes {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  private static final Set<String> GENERATE_FIELDS = Set.of("models", "max_budget", "budget_duration", "rpm_limit",
      "tpm_limit", "duration", "expires", "metadata", "key_alias");
  private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_PAGE_SIZE = 100;
  private static final int MAX_MODELS = 1000;
  private static final int MAX_METADATA_BYTES = 16 * 1024;
  private static final int MAX_DELETE = 1000;

  private final KeyStore store;
  private final SpendControls spend;
  private final KeyGenerator generator = new KeyGenerator();
  private final Clock clock;
  private final ObjectMapper json;

  KeyRoutes(KeyStore store, SpendControls spend, Clock clock, ObjectMapper json) {
    this.store = store;
    this.spend = spend;
    this.clock = clock;
    this.json = json;
  }

  /** Whether {@code path} is one of these routes. */
  static boolean owns(String path) {
    return path.startsWith("/key/");
  }

  /** Serves one management request (the caller is the master key); completes the exchange. */
  void handle(Exchange exchange, String path, String method, byte[] body) throws IOException {
    String allowed = switch (path) {
      case "/key/generate", "/key/delete" -> "POST";
      case "/key/info", "/key/list" -> "GET";
      default -> null;
    };
    if (allowed == null) {
      exchange.sendError(new OpenAiError(404, "no such route", "invalid_request_error", null, "not_found",
          Optional.empty()));
      return;
    }
    if (!allowed.equals(method)) {
      exchange.response.getHeaders().put(HttpHeader.ALLOW, allowed);
      exchange.sendError(new OpenAiError(405, "use " + allowed + " on " + path, "invalid_request_error", null,
          "method_not_allowed", Optional.empty()));
      return;
    }
    try {
      switch (path) {
        case "/key/generate" -> generate(exchange, object(body));
        case "/key/delete" -> delete(exchange, object(body));
        case "/key/info" -> info(exchange, query(exchange));
        default -> list(exchange, query(exchange));
      }
    } catch (BadRequest e) {
      exchange.sendError(OpenAiError.invalidRequest(e.param, e.getMessage()));
    } catch (SQLException e) {
      LOG.atError().addKeyValue("sql_state", e.getSQLState()).addKeyValue("route", path).log("router.keys.db_failed");
      exchange.sendError(new OpenAiError(503, "the key database is unavailable", "api_error", null,
          "database_unavailable", Optional.empty()));
    }
  }

  private void generate(Exchange exchange, JsonNode body) throws BadRequest, SQLException {
    for (var field : body.properties()) {
      if (!GENERATE_FIELDS.contains(field.getKey())) {
        throw new BadRequest(field.getKey(), "'" + OpenAiError.printable(field.getKey())
            + "' is not supported by this router (supported: " + String.join(", ", new java.util.TreeSet<>(GENERATE_FIELDS)) + ")");
      }
    }
    Instant now = clock.instant();
    Optional<String> alias = text(body, "key_alias");
    if (alias.isPresent() && store.findByAlias(alias.get()).isPresent()) {
      throw new BadRequest("key_alias", "a key with this key_alias exists already");
    }
    Optional<String> budgetText = text(body, "budget_duration");
    Optional<BudgetPeriod> budgetDuration = budgetText.isEmpty() ? Optional.empty()
        : Optional.of(BudgetPeriod.parse(budgetText.get()).orElseThrow(() -> new BadRequest("budget_duration",
            "expected a duration such as 30s, 30m, 24h, 30d, 1w or 1mo")));
    String key = generator.next();
    VirtualKey record = new VirtualKey(VirtualKey.hash(key), KeyGenerator.displayName(key), alias, models(body),
        money(body, "max_budget"), budgetDuration, whole(body, "rpm_limit"), whole(body, "tpm_limit"),
        expiry(body, now), metadata(body), now);
    store.insert(record);
    LOG.atInfo().addKeyValue("key", record.logName()).addKeyValue("models", record.models().size())
        .log("router.key.generated");
    ObjectNode answer = describe(record);
    answer.put("key", key);
    exchange.sendJson(200, answer);
  }

  private void info(Exchange exchange, Fields query) throws BadRequest, SQLException {
    String token = token(Optional.ofNullable(query.getValue("key")).orElseThrow(() -> new BadRequest("key",
        "'key' is required (the key or its token)")));
    Optional<VirtualKey> key = store.find(token);
    if (key.isEmpty()) {
      exchange.sendError(new OpenAiError(404, "no such key", "invalid_request_error", "key", "key_not_found",
          Optional.empty()));
      return;
    }
    ObjectNode answer = json.createObjectNode();
    answer.put("key", token);
    answer.set("info", describe(key.get()));
    exchange.sendJson(200, answer);
  }

  /** {@code GET /key/info} with a virtual key: that key's own record and spend (any {@code key} parameter ignored). */
  void ownInfo(Exchange exchange, VirtualKey key) {
    ObjectNode answer = json.createObjectNode();
    answer.put("key", key.tokenHash());
    answer.set("info", describe(key));
    exchange.sendJson(200, answer);
  }

  private void delete(Exchange exchange, JsonNode body) throws BadRequest, SQLException {
    Set<String> tokens = new LinkedHashSet<>();
    for (JsonNode key : array(body, "keys")) {
      tokens.add(token(key.asText()));
    }
    for (JsonNode alias : array(body, "key_aliases")) {
      store.findByAlias(alias.asText()).ifPresent(k -> tokens.add(k.tokenHash()));
    }
    if (tokens.isEmpty() && !body.has("keys") && !body.has("key_aliases")) {
      throw new BadRequest("keys", "'keys' (keys or tokens) or 'key_aliases' is required");
    }
    List<String> deleted = store.delete(tokens);
    deleted.forEach(t -> LOG.atInfo().addKeyValue("key", "key:" + t.substring(0, 12)).log("router.key.deleted"));
    ObjectNode answer = json.createObjectNode();
    ArrayNode list = answer.putArray("deleted_keys");
    deleted.forEach(list::add);
    exchange.sendJson(200, answer);
  }

  private void list(Exchange exchange, Fields query) throws BadRequest, SQLException {
    int page = positive(query, "page", 1, Integer.MAX_VALUE / MAX_PAGE_SIZE);
    int size = positive(query, "size", 10, MAX_PAGE_SIZE);
    boolean full = "true".equalsIgnoreCase(query.getValue("return_full_object"));
    long total = store.count();
    ObjectNode answer = json.createObjectNode();
    ArrayNode keys = answer.putArray("keys");
    for (VirtualKey key : store.list((page - 1) * size, size)) {
      if (full) {
        keys.add(describe(key));
      } else {
        keys.add(key.tokenHash());
      }
    }
    answer.put("total_count", total).put("current_page", page).put("total_pages", (total + size - 1) / size);
    exchange.sendJson(200, answer);
  }

  /** A key as LiteLLM describes it, with its spend; never the key itself. */
  private ObjectNode describe(VirtualKey key) {
    ObjectNode out = json.createObjectNode();
    out.put("token", key.tokenHash()).put("key_name", key.keyName());
    out.put("key_alias", key.alias().orElse(null));
    ArrayNode models = out.putArray("models");
    key.models().forEach(models::add);
    out.put("spend", spend.keySpend(key)).put("total_spend", spend.keyTotalSpend(key));
    if (key.maxBudget().isPresent()) {
      out.put("max_budget", key.maxBudget().getAsDouble());
    } else {
      out.putNull("max_budget");
    }
    out.put("budget_duration", key.budgetDuration().map(BudgetPeriod::text).orElse(null));
    out.put("budget_reset_at", key.budgetDuration().map(p -> spend.resetAt(p).toString()).orElse(null));
    putLong(out, "rpm_limit", key.rpmLimit());
    putLong(out, "tpm_limit", key.tpmLimit());
    out.put("expires", key.expires().map(Instant::toString).orElse(null));
    out.put("created_at", key.createdAt().toString());
    try {
      out.set("metadata", json.readTree(key.metadataJson()));
    } catch (IOException e) {
      out.putObject("metadata");
    }
    return out;
  }

  private static void putLong(ObjectNode out, String name, OptionalLong value) {
    if (value.isPresent()) {
      out.put(name, value.getAsLong());
    } else {
      out.putNull(name);
    }
  }

  /** A key ({@code sk-…}, hashed here) or a token (its SHA-256) as a token. */
  private static String token(String keyOrToken) {
    return TOKEN.matcher(keyOrToken).matches() ? keyOrToken : VirtualKey.hash(keyOrToken);
  }

  private JsonNode object(byte[] body) throws BadRequest {
    try {
      JsonNode tree = body.length == 0 ? json.createObjectNode() : json.readTree(body);
      if (tree == null || !tree.isObject()) {
        throw new BadRequest(null, "the request body must be a JSON object");
      }
      return tree;
    } catch (IOException e) {
      throw new BadRequest(null, "the request body is not valid JSON");
    }
  }

  private static Fields query(Exchange exchange) {
    return Request.extractQueryParameters(exchange.request);
  }

  private static Optional<String> text(JsonNode body, String field) throws BadRequest {
    JsonNode value = body.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > 256) {
      throw new BadRequest(field, "'" + field + "' must be a non-empty string of at most 256 characters");
    }
    return Optional.of(value.asText());
  }

  private static Iterable<JsonNode> array(JsonNode body, String field) throws BadRequest {
    JsonNode value = body.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return List.of();
    }
    if (!value.isArray() || value.size() > MAX_DELETE) {
      throw new BadRequest(field, "'" + field + "' must be a list of at most " + MAX_DELETE + " strings");
    }
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw new BadRequest(field, "'" + field + "' must be a list of strings");
      }
    }
    return value;
  }

  private static List<String> models(JsonNode body) throws BadRequest {
    List<String> models = new ArrayList<>();
    for (JsonNode model : array(body, "models")) {
      models.add(model.asText());
    }
    if (models.size() > MAX_MODELS) {
      throw new BadRequest("models", "at most " + MAX_MODELS + " models");
    }
    return models;
  }

  private static OptionalDouble money(JsonNode body, String field) throws BadRequest {
    JsonNode value = body.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return OptionalDouble.empty();
    }
    if (!value.isNumber() || value.asDouble() < 0 || !Double.isFinite(value.asDouble())) {
      throw new BadRequest(field, "'" + field + "' must be a number >= 0");
    }
    return OptionalDouble.of(value.asDouble());
  }

  private static OptionalLong whole(JsonNode body, String field) throws BadRequest {
    JsonNode value = body.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return OptionalLong.empty();
    }
    if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 0) {
      throw new BadRequest(field, "'" + field + "' must be a whole number >= 0");
    }
    return OptionalLong.of(value.asLong());
  }

  /** {@code duration} (LiteLLM's: how long the key is valid, e.g. {@code 30d}) or {@code expires} (ISO-8601). */
  private static Optional<Instant> expiry(JsonNode body, Instant now) throws BadRequest {
    Optional<String> duration = text(body, "duration");
    Optional<String> expires = text(body, "expires");
    if (duration.isPresent() && expires.isPresent()) {
      throw new BadRequest("duration", "give 'duration' or 'expires', not both");
    }
    if (duration.isPresent()) {
      BudgetPeriod period = BudgetPeriod.parse(duration.get()).orElseThrow(() -> new BadRequest("duration",
          "expected a duration such as 30s, 30m, 24h, 30d, 1w or 1mo"));
      return Optional.of(now.atZone(java.time.ZoneOffset.UTC).plus(period.amount(), period.unit()).toInstant());
    }
    try {
      return expires.map(Instant::parse);
    } catch (DateTimeParseException e) {
      throw new BadRequest("expires", "expected an ISO-8601 UTC time such as 2030-01-01T00:00:00Z");
    }
  }

  private String metadata(JsonNode body) throws BadRequest {
    JsonNode value = body.path("metadata");
    if (value.isMissingNode() || value.isNull()) {
      return "{}";
    }
    if (!value.isObject()) {
      throw new BadRequest("metadata", "'metadata' must be a JSON object");
    }
    String text = value.toString();
    if (text.length() > MAX_METADATA_BYTES) {
      throw new BadRequest("metadata", "'metadata' must be at most " + MAX_METADATA_BYTES + " bytes");
    }
    return text;
  }

  private static int positive(Fields query, String name, int fallback, int max) throws BadRequest {
    String text = query.getValue(name);
    if (text == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text);
      if (value < 1 || value > max) {
        throw new BadRequest(name, "'" + name + "' must be 1.." + max);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new BadRequest(name, "'" + name + "' must be a whole number");
    }
  }

  /** A management request the router refuses. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    private final String param;

    BadRequest(String param, String message) {
      super(message);
      this.param = param;
    }
  }
}
