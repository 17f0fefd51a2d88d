package dev.clincher.gateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Reading rows into records, and the stored form of times (microseconds since the epoch, UTC). */
final class Rows {
  private Rows() {}

  /** Turns the current row into a record. */
  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet rows) throws SQLException;
  }

  /** Every row the statement returns, mapped. */
  static <T> List<T> list(PreparedStatement statement, RowMapper<T> mapper) throws SQLException {
    List<T> result = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        result.add(mapper.map(rows));
      }
    }
    return result;
  }

  /** The first row of a query with one string parameter that always has a row. */
  static <T> T firstRow(Connection c, String sql, String parameter, RowMapper<T> mapper) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, parameter);
      try (ResultSet rows = s.executeQuery()) {
        if (!rows.next()) {
          throw new SQLException("no row for " + sql);
        }
        return mapper.map(rows);
      }
    }
  }

  /** Now, at the precision stored. */
  static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }

  static long micros(Instant instant) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
  }

  static Instant instant(long micros) {
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }
}
