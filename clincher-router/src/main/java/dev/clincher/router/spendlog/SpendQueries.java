package dev.clincher.router.spendlog;

import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.spendlog.SpendLogException.Reason;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The read side of the spend log, on a connection of its own (one query at a time, reopened after a failure). Each
 * report or sum is one SQL aggregate; groups are sorted here, so both databases give the same order.
 */
final class SpendQueries implements AutoCloseable {
  /** The most groups a report or a sum returns. */
  static final int MAX_GROUPS = 100_000;
  private static final String TOTALS = "COUNT(*), COALESCE(SUM(prompt_tokens), 0), "
      + "COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(cost_nanos), 0)";
  private static final String TOTALS_SINCE = "COALESCE(SUM(CASE WHEN logged_at >= ? THEN 1 ELSE 0 END), 0), "
      + "COALESCE(SUM(CASE WHEN logged_at >= ? THEN prompt_tokens ELSE 0 END), 0), "
      + "COALESCE(SUM(CASE WHEN logged_at >= ? THEN completion_tokens ELSE 0 END), 0), "
      + "COALESCE(SUM(CASE WHEN logged_at >= ? THEN cost_nanos ELSE 0 END), 0)";

  private final DatabaseUrl url;
  private final Dialect dialect;
  private final SpendLogSettings settings;
  private Connection connection; // guarded by this

  SpendQueries(DatabaseUrl url, Dialect dialect, SpendLogSettings settings) {
    this.url = url;
    this.dialect = dialect;
    this.settings = settings;
  }

  synchronized Page query(SpendFilter filter, int page, int size) throws SpendLogException {
    List<Object> parameters = new ArrayList<>();
    String where = where(filter, parameters);
    try {
      Connection c = connection();
      execute(c, dialect.beginRead());
      List<SpendRecord> records = new ArrayList<>();
      try (PreparedStatement select = prepare(c, "SELECT " + Rows.COLUMNS + " FROM spend_logs" + where
          + " ORDER BY logged_at DESC, request_id DESC LIMIT ? OFFSET ?", parameters, size, (page - 1L) * size);
          ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          records.add(Rows.read(rows));
        }
      }
      long total;
      try (PreparedStatement count = prepare(c, "SELECT COUNT(*) FROM spend_logs" + where, parameters);
          ResultSet rows = count.executeQuery()) {
        rows.next();
        total = rows.getLong(1);
      }
      execute(c, "COMMIT");
      return new Page(records, total, page, size);
    } catch (SQLException e) {
      throw failed("query", e);
    }
  }

  synchronized List<ReportRow> report(Instant from, Instant to, Set<Dimension> by) throws SpendLogException {
    List<Dimension> dimensions = List.copyOf(new TreeSet<>(by));
    String sql = "SELECT " + select(dimensions) + TOTALS + " FROM spend_logs WHERE logged_at >= ? AND logged_at < ?"
        + groupBy(dimensions);
    List<ReportRow> rows = new ArrayList<>();
    try (PreparedStatement select = prepare(connection(), sql, List.of(), from.toEpochMilli(), to.toEpochMilli(),
        MAX_GROUPS + 1); ResultSet result = select.executeQuery()) {
      while (result.next()) {
        rows.add(new ReportRow(group(result, dimensions), totals(result, dimensions.size() + 1)));
      }
    } catch (SQLException e) {
      throw failed("report", e);
    }
    checkGroups(rows.size());
    rows.sort(Comparator.comparing(ReportRow::group, order(dimensions)));
    return rows;
  }

  synchronized List<SumRow> sums(Instant since, Set<Dimension> by) throws SpendLogException {
    List<Dimension> dimensions = List.copyOf(new TreeSet<>(by));
    long millis = since.toEpochMilli();
    String sql = "SELECT " + select(dimensions) + TOTALS_SINCE + ", " + TOTALS + " FROM spend_logs"
        + groupBy(dimensions);
    List<SumRow> rows = new ArrayList<>();
    try (PreparedStatement select = prepare(connection(), sql, List.of(), millis, millis, millis, millis,
        MAX_GROUPS + 1); ResultSet result = select.executeQuery()) {
      while (result.next()) {
        rows.add(new SumRow(group(result, dimensions), totals(result, dimensions.size() + 1),
            totals(result, dimensions.size() + 5)));
      }
    } catch (SQLException e) {
      throw failed("sum", e);
    }
    checkGroups(rows.size());
    rows.sort(Comparator.comparing(SumRow::group, order(dimensions)));
    return rows;
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
      connection = null;
    }
  }

  private static String where(SpendFilter filter, List<Object> parameters) {
    List<String> conditions = new ArrayList<>();
    condition(conditions, parameters, "key_hash = ?", filter.keyHash());
    condition(conditions, parameters, "team = ?", filter.team());
    condition(conditions, parameters, "end_user = ?", filter.endUser());
    condition(conditions, parameters, "model_group = ?", filter.modelGroup());
    condition(conditions, parameters, "logged_at >= ?", filter.from().map(Instant::toEpochMilli));
    condition(conditions, parameters, "logged_at < ?", filter.to().map(Instant::toEpochMilli));
    return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
  }

  private static void condition(List<String> conditions, List<Object> parameters, String sql, Optional<?> value) {
    value.ifPresent(v -> {
      conditions.add(sql);
      parameters.add(v);
    });
  }

  private static String select(List<Dimension> dimensions) {
    return dimensions.stream().map(d -> d.column() + ", ").collect(Collectors.joining());
  }

  /** With no dimension the aggregate is one row (the global sum); the limit bounds what is read either way. */
  private static String groupBy(List<Dimension> dimensions) {
    String columns = dimensions.stream().map(Dimension::column).collect(Collectors.joining(", "));
    return (dimensions.isEmpty() ? "" : " GROUP BY " + columns) + " LIMIT ?";
  }

  private static Map<Dimension, String> group(ResultSet row, List<Dimension> dimensions) throws SQLException {
    Map<Dimension, String> group = new EnumMap<>(Dimension.class);
    for (int i = 0; i < dimensions.size(); i++) {
      group.put(dimensions.get(i), dimensions.get(i).text(row.getObject(i + 1)));
    }
    return group;
  }

  private static Totals totals(ResultSet row, int first) throws SQLException {
    return new Totals(row.getLong(first), row.getLong(first + 1), row.getLong(first + 2), row.getLong(first + 3));
  }

  private static Comparator<Map<Dimension, String>> order(List<Dimension> dimensions) {
    Comparator<Map<Dimension, String>> order = (a, b) -> 0;
    for (Dimension dimension : dimensions) {
      order = order.thenComparing(group -> group.get(dimension));
    }
    return order;
  }

  private static void checkGroups(int rows) throws SpendLogException {
    if (rows > MAX_GROUPS) {
      throw new SpendLogException(Reason.TOO_MANY_ROWS, "more than " + MAX_GROUPS
          + " groups; narrow the time range or group by fewer dimensions");
    }
  }

  private PreparedStatement prepare(Connection c, String sql, List<Object> parameters, Object... more)
      throws SQLException {
    PreparedStatement statement = c.prepareStatement(sql);
    try {
      dialect.bound(statement, settings);
      int index = 0;
      for (Object value : parameters) {
        statement.setObject(++index, value);
      }
      for (Object value : more) {
        statement.setObject(++index, value);
      }
      return statement;
    } catch (SQLException e) {
      statement.close();
      throw e;
    }
  }

  private void execute(Connection c, String sql) throws SQLException {
    try (Statement statement = c.createStatement()) {
      statement.execute(sql);
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = dialect.openReader(url, settings);
    }
    return connection;
  }

  /** The connection is dropped (rolling back an open read transaction) and reopened by the next call. */
  private SpendLogException failed(String what, SQLException e) {
    close();
    String state = e.getSQLState() == null ? "" : ", SQLState " + e.getSQLState();
    return new SpendLogException(Reason.DATABASE, "the spend log's " + what + " failed (" + e.getClass().getSimpleName()
        + state + ")", e);
  }
}
