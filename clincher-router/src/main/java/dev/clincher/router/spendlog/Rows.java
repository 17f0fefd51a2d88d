package dev.clincher.router.spendlog;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** How a {@link SpendRecord} maps to a row of {@code spend_logs}, and the insert of a batch. */
final class Rows {
  static final String COLUMNS = "request_id, logged_at, key_hash, team, end_user, model_group, deployment, "
      + "prompt_tokens, completion_tokens, cache_read_tokens, cache_write_tokens, cost_nanos, cache_hit, estimated, "
      + "status, latency_millis";
  private static final int COLUMN_COUNT = 16;
  private static final String ROW = "(?" + ", ?".repeat(COLUMN_COUNT - 1) + ")";

  private Rows() {}

  /**
   * One statement for the whole batch. It returns the ids it inserted; an id already in the table is skipped (the
   * first record wins) without failing the others.
   */
  static String insert(int records) {
    return "INSERT INTO spend_logs (" + COLUMNS + ") VALUES " + String.join(", ", Collections.nCopies(
        records, ROW)) + " ON CONFLICT (request_id) DO NOTHING RETURNING request_id";
  }

  /** Binds {@code records} to the parameters of {@link #insert}. */
  static void bind(PreparedStatement insert, List<SpendRecord> records) throws SQLException {
    int index = 0;
    for (SpendRecord record : records) {
      insert.setString(++index, record.requestId());
      insert.setLong(++index, record.time().toEpochMilli());
      setText(insert, ++index, record.keyHash());
      setText(insert, ++index, record.team());
      setText(insert, ++index, record.endUser());
      insert.setString(++index, record.modelGroup());
      insert.setString(++index, record.deployment());
      insert.setLong(++index, record.promptTokens());
      insert.setLong(++index, record.completionTokens());
      insert.setLong(++index, record.cacheReadTokens());
      insert.setLong(++index, record.cacheWriteTokens());
      insert.setLong(++index, record.costNanos());
      insert.setBoolean(++index, record.cacheHit());
      insert.setBoolean(++index, record.estimated());
      insert.setInt(++index, record.status());
      insert.setLong(++index, record.latencyMillis());
    }
  }

  /** The record in the current row of a {@code SELECT} of {@link #COLUMNS}. */
  static SpendRecord read(ResultSet row) throws SQLException {
    return new SpendRecord(row.getString(1), Instant.ofEpochMilli(row.getLong(2)), Optional.ofNullable(row.getString(3)),
        Optional.ofNullable(row.getString(4)), Optional.ofNullable(row.getString(5)), row.getString(6),
        row.getString(7), row.getLong(8), row.getLong(9), row.getLong(10), row.getLong(11), row.getLong(12),
        row.getBoolean(13), row.getBoolean(14), row.getInt(15), row.getLong(16));
  }

  private static void setText(PreparedStatement statement, int index, Optional<String> value) throws SQLException {
    if (value.isPresent()) {
      statement.setString(index, value.get());
    } else {
      statement.setNull(index, Types.VARCHAR);
    }
  }
}
