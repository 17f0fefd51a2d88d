package dev.clincher.router.keys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.metering.BudgetPeriod;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** Reading and writing the column types the router's tables share: nullable numbers, JSON lists, flags, times. */
final class Columns {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Binds values to a statement's parameters in order. */
  static final class Binder {
    private final PreparedStatement statement;
    private int index;

    Binder(PreparedStatement statement) {
      this.statement = statement;
    }

    Binder text(String value) throws SQLException {
      statement.setString(++index, value);
      return this;
    }

    Binder text(Optional<String> value) throws SQLException {
      return text(value.orElse(null));
    }

    Binder number(OptionalDouble value) throws SQLException {
      if (value.isPresent()) {
        statement.setDouble(++index, value.getAsDouble());
      } else {
        statement.setNull(++index, Types.DOUBLE);
      }
      return this;
    }

    Binder number(OptionalLong value) throws SQLException {
      if (value.isPresent()) {
        statement.setLong(++index, value.getAsLong());
      } else {
        statement.setNull(++index, Types.BIGINT);
      }
      return this;
    }

    Binder number(long value) throws SQLException {
      statement.setLong(++index, value);
      return this;
    }

    Binder flag(boolean value) throws SQLException {
      statement.setInt(++index, value ? 1 : 0);
      return this;
    }

    Binder time(Instant value) throws SQLException {
      return number(value.toEpochMilli());
    }

    Binder period(Optional<BudgetPeriod> value) throws SQLException {
      return text(value.map(BudgetPeriod::text));
    }

    Binder list(List<String> values) throws SQLException {
      try {
        return text(JSON.writeValueAsString(values));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a list of strings always serializes", e);
      }
    }
  }

  private Columns() {}

  static OptionalLong optionalLong(ResultSet rows, String column) throws SQLException {
    long value = rows.getLong(column);
    return rows.wasNull() ? OptionalLong.empty() : OptionalLong.of(value);
  }

  static OptionalDouble optionalDouble(ResultSet rows, String column) throws SQLException {
    double value = rows.getDouble(column);
    return rows.wasNull() ? OptionalDouble.empty() : OptionalDouble.of(value);
  }

  static Optional<String> optionalText(ResultSet rows, String column) throws SQLException {
    return Optional.ofNullable(rows.getString(column));
  }

  static Optional<BudgetPeriod> period(ResultSet rows, String column) throws SQLException {
    return optionalText(rows, column).flatMap(BudgetPeriod::parse);
  }

  static Instant time(ResultSet rows, String column) throws SQLException {
    return Instant.ofEpochMilli(rows.getLong(column));
  }

  static boolean flag(ResultSet rows, String column) throws SQLException {
    return rows.getInt(column) != 0;
  }

  static List<String> list(ResultSet rows, String column) throws SQLException {
    try {
      return JSON.readValue(rows.getString(column), new TypeReference<List<String>>() {});
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new SQLException(column + " is not a JSON list");
    }
  }

  /** Reads every row of {@code select} with {@code mapper}. */
  static <T> List<T> all(PreparedStatement select, RowMapper<T> mapper) throws SQLException {
    List<T> found = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        found.add(mapper.map(rows));
      }
    }
    return found;
  }

  /** The first row of {@code select}, if any. */
  static <T> Optional<T> first(PreparedStatement select, RowMapper<T> mapper) throws SQLException {
    List<T> found = all(select, mapper);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /** One row to a value. */
  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet rows) throws SQLException;
  }
}
