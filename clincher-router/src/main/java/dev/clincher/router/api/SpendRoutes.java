package dev.clincher.router.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.spendlog.Dimension;
import dev.clincher.router.spendlog.Page;
import dev.clincher.router.spendlog.ReportRow;
import dev.clincher.router.spendlog.SpendFilter;
import dev.clincher.router.spendlog.SpendLog;
import dev.clincher.router.spendlog.SpendLogException;
import dev.clincher.router.spendlog.SpendRecord;
import dev.clincher.router.spendlog.Totals;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiteLLM's spend reports from the spend log, for the master key:
 * <pre>
 *   GET /spend/logs?api_key=&amp;end_user=&amp;model=&amp;start_date=&amp;end_date=&amp;page=&amp;size=   rows, newest first
 *   GET /global/spend/report?start_date=&amp;end_date=&amp;group_by=day,model,api_key,team,end_user    sums
 * </pre>
 * Dates are UTC days ({@code 2026-12-01}; {@code end_date} included) or instants; {@code api_key} is a key or its
 * SHA-256. {@code /spend/logs} answers a JSON list, as LiteLLM does, with the total in {@code x-total-count}.
 */
final class SpendRoutes {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  private final Optional<SpendLog> log;
  private final KeyStore keys;
  private final ObjectMapper json;

  SpendRoutes(Optional<SpendLog> log, KeyStore keys, ObjectMapper json) {
    this.log = log;
    this.keys = keys;
    this.json = json;
  }

  static boolean owns(String path) {
    return path.equals("/spend/logs") || path.equals("/global/spend/report");
  }

  /** Serves one report request (the caller is the master key); completes the exchange. */
  void handle(Exchange exchange, String path, String method) {
    if (!"GET".equals(method)) {
      exchange.response.getHeaders().put(HttpHeader.ALLOW, "GET");
      exchange.sendError(new OpenAiError(405, "use GET on " + path, "invalid_request_error", null,
          "method_not_allowed", Optional.empty()));
      return;
    }
    if (log.isEmpty()) {
      exchange.sendError(new OpenAiError(404, "spend logs are off (general_settings.disable_spend_logs)",
          "invalid_request_error", null, "spend_logs_disabled", Optional.empty()));
      return;
    }
    Fields query = Request.extractQueryParameters(exchange.request);
    try {
      if (path.equals("/spend/logs")) {
        logs(exchange, query);
      } else {
        report(exchange, query);
      }
    } catch (IllegalArgumentException e) {
      exchange.sendError(OpenAiError.invalidRequest(null, e.getMessage()));
    } catch (SpendLogException e) {
      LOG.atError().addKeyValue("reason", e.reason().name()).addKeyValue("route", path).log("router.spend_log.read_failed");
      exchange.sendError(new OpenAiError(503, "the spend log cannot be read now", "api_error", null,
          "spend_log_unavailable", Optional.empty()));
    } catch (IllegalStateException e) {
      LOG.atError().addKeyValue("route", path).log("router.key_database.read_failed");
      exchange.sendError(new OpenAiError(503, "the key database cannot be read now", "api_error", null,
          "key_database_unavailable", Optional.empty()));
    }
  }

  private void logs(Exchange exchange, Fields query) throws SpendLogException {
    SpendFilter filter = new SpendFilter(text(query, "api_key").map(this::keyId),
        text(query, "team_id"), text(query, "end_user").or(() -> text(query, "user_id")), text(query, "model"),
        text(query, "start_date").map(value -> instant(value, false)),
        text(query, "end_date").map(value -> instant(value, true)));
    int page = number(query, "page", 1);
    int size = number(query, "size", 100);
    Page found = log.get().query(filter, page, size);
    ArrayNode rows = json.createArrayNode();
    for (SpendRecord record : found.records()) {
      rows.add(row(record));
    }
    exchange.header("x-total-count", Long.toString(found.total()));
    exchange.sendJson(200, rows);
  }

  private ObjectNode row(SpendRecord record) {
    ObjectNode row = json.createObjectNode()
        .put("request_id", record.requestId())
        .put("api_key", record.keyHash().orElse(""))
        .put("spend", usd(record.costNanos()))
        .put("total_tokens", record.promptTokens() + record.completionTokens())
        .put("prompt_tokens", record.promptTokens())
        .put("completion_tokens", record.completionTokens())
        .put("cache_read_tokens", record.cacheReadTokens())
        .put("cache_write_tokens", record.cacheWriteTokens())
        .put("startTime", record.time().toString())
        .put("model_group", record.modelGroup())
        .put("model_id", record.deployment())
        .put("team_id", record.team().orElse(""))
        .put("end_user", record.endUser().orElse(""))
        .put("cache_hit", record.cacheHit())
        .put("estimated", record.estimated())
        .put("status", record.status())
        .put("latency_ms", record.latencyMillis());
    return row;
  }

  private void report(Exchange exchange, Fields query) throws SpendLogException {
    Instant from = text(query, "start_date").map(value -> instant(value, false))
        .orElseThrow(() -> new IllegalArgumentException("start_date is required (e.g. 2026-12-01)"));
    Instant to = text(query, "end_date").map(value -> instant(value, true))
        .orElseThrow(() -> new IllegalArgumentException("end_date is required (e.g. 2026-12-31)"));
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("start_date must come before end_date");
    }
    Set<Dimension> by = dimensions(text(query, "group_by").orElse("day"));
    ArrayNode rows = json.createArrayNode();
    for (ReportRow found : log.get().report(from, to, by)) {
      ObjectNode row = rows.addObject();
      for (Dimension dimension : by) {
        row.put(name(dimension), found.group().getOrDefault(dimension, ""));
      }
      Totals totals = found.totals();
      row.put("requests", totals.requests()).put("prompt_tokens", totals.promptTokens())
          .put("completion_tokens", totals.completionTokens()).put("spend", usd(totals.costNanos()));
    }
    exchange.sendJson(200, rows);
  }

  /** {@code day,model,api_key,team,end_user} (LiteLLM's {@code customer} and {@code team} too). */
  static Set<Dimension> dimensions(String text) {
    Set<Dimension> by = EnumSet.noneOf(Dimension.class);
    for (String part : text.split(",")) {
      by.add(switch (part.trim().toLowerCase(Locale.ROOT)) {
        case "day", "date" -> Dimension.DAY;
        case "model", "model_group" -> Dimension.MODEL;
        case "api_key", "key" -> Dimension.KEY;
        case "team", "team_id" -> Dimension.TEAM;
        case "end_user", "customer", "user" -> Dimension.USER;
        case "deployment", "model_id" -> Dimension.DEPLOYMENT;
        default -> throw new IllegalArgumentException("group_by takes day, model, api_key, team, end_user or "
            + "deployment, comma-separated; not '" + OpenAiError.printable(part) + "'");
      });
    }
    return by;
  }

  private static String name(Dimension dimension) {
    return switch (dimension) {
      case DAY -> "day";
      case MODEL -> "model";
      case KEY -> "api_key";
      case TEAM -> "team";
      case USER -> "end_user";
      case DEPLOYMENT -> "deployment";
    };
  }

  /** A UTC day (the end of the range: the day after it, so the day is included) or an ISO instant. */
  static Instant instant(String text, boolean end) {
    try {
      if (text.length() == 10) {
        LocalDate day = LocalDate.parse(text);
        return (end ? day.plusDays(1) : day).atStartOfDay().toInstant(ZoneOffset.UTC);
      }
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("dates are YYYY-MM-DD (UTC) or ISO-8601 instants, not '"
          + OpenAiError.printable(text) + "'");
    }
  }

  /**
   * The id rows name a key by: a 64-hex id as given; a key's secret is looked up, so a regenerated key (new secret,
   * same id) still finds its rows.
   */
  private String keyId(String key) {
    if (HASH.matcher(key).matches()) {
      return key;
    }
    String secretHash = VirtualKey.hash(key);
    try {
      return keys.find(secretHash).map(VirtualKey::tokenHash).orElse(secretHash);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("the key database cannot be read", e);
    }
  }

  private static Optional<String> text(Fields query, String name) {
    return Optional.ofNullable(query.getValue(name)).map(String::trim).filter(value -> !value.isEmpty());
  }

  private static int number(Fields query, String name, int otherwise) {
    Optional<String> value = text(query, name);
    try {
      return value.isEmpty() ? otherwise : Integer.parseInt(value.get());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number");
    }
  }

  private static BigDecimal usd(long nanos) {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
  }
}
