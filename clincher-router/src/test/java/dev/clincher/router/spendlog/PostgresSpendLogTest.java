package dev.clincher.router.spendlog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.spendlog.SpendLog.Appended;
import dev.clincher.router.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The spend log on a real PostgreSQL ({@link TestPostgres}), each test in a schema of its own. */
class PostgresSpendLogTest extends SpendLogContract {
  private TestPostgres.Schema schema;

  @Override
  protected DatabaseUrl url() throws SQLException {
    if (schema == null) {
      schema = TestPostgres.freshSchema("spend_log");
    }
    return schema.url();
  }

  @AfterEach
  void dropSchema() throws SQLException {
    if (schema != null) {
      schema.close();
    }
  }

  /** {@code EXCLUSIVE} conflicts with the writer's {@code INSERT}, which waits up to its {@code lock_timeout}. */
  @Override
  protected AutoCloseable holdWriteLock() throws SQLException {
    Connection locker = TestPostgres.connect();
    locker.setAutoCommit(false);
    try (Statement statement = locker.createStatement()) {
      statement.execute("LOCK TABLE " + schema.name() + ".spend_logs IN EXCLUSIVE MODE");
    }
    return () -> {
      try (locker) {
        locker.rollback();
      }
    };
  }

  @Test
  void aWriterWhoseConnectionWasKilledReconnectsWithoutFailingAnAppend() throws Exception {
    String marker = "spend_log_test_" + UUID.randomUUID().toString().replace("-", "");
    DatabaseUrl base = url();
    DatabaseUrl named = new DatabaseUrl(base.jdbcUrl() + "&ApplicationName=" + marker, base.user(), base.password());
    SpendLog log = open(named, SpendLogSettings.DEFAULTS);
    assertThat(log.append(SpendRecords.numbered("before-kill", 1))).isEqualTo(Appended.WRITTEN);
    assertThat(backends("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?", marker))
        .as("only the writer is connected yet").isEqualTo(1);
    awaitCondition(() -> backends("SELECT pid FROM pg_stat_activity WHERE application_name = ?", marker) == 0);

    assertThat(log.append(SpendRecords.numbered("after-kill", 2))).isEqualTo(Appended.WRITTEN);
    assertThat(log.stats().reconnects()).isEqualTo(1);
    assertThat(log.stats().failedBatches()).isZero();
    assertThat(log.query(SpendFilter.ALL, 1, 10).total()).isEqualTo(2);
  }

  private static int backends(String sql, String applicationName) {
    try (Connection admin = TestPostgres.connect(); PreparedStatement select = admin.prepareStatement(sql)) {
      select.setString(1, applicationName);
      int rows = 0;
      try (ResultSet result = select.executeQuery()) {
        while (result.next()) {
          rows++;
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
