package dev.clincher.gateway.store;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;

/**
 * The one database handle the gateway's stores share: the connection pool and its dialect, the schema (created and
 * upgraded by Flyway on {@link #open}), this gateway's instance id and lock, and the transaction helpers. SQLite (one
 * file, WAL, fsync on every commit) by default, PostgreSQL when configured. Every write goes through its
 * {@link GroupCommit}: event appends share transactions, and any other write joins the open one and commits it (so
 * SQLite's single writer is honoured in-process). Closing it commits the open appends and closes every store on it.
 */
public final class Database implements AutoCloseable {
  private final Dialect dialect;
  private final StoreLimits limits;
  private final HikariDataSource pool;
  private final GroupCommit appends;
  private final StatementCache statements = new StatementCache();
  private final String instanceId;
  private final InstanceLock instanceLock;

  private Database(Dialect dialect, StoreLimits limits, HikariDataSource pool, String instanceId,
      InstanceLock instanceLock) {
    this.dialect = dialect;
    this.limits = limits;
    this.pool = pool;
    this.appends = new GroupCommit(this);
    this.instanceId = instanceId;
    this.instanceLock = instanceLock;
  }

  /** Opens (creating or migrating the schema) the database described by {@code settings}. */
  public static Database open(StoreSettings settings) {
    Dialect dialect = dialectOf(settings);
    HikariDataSource pool;
    try {
      pool = DataSources.open(settings, dialect);
    } catch (RuntimeException e) {
      throw new StoreException("cannot open transcript store " + settings + ": " + e.getMessage(), e);
    }
    try {
      migrate(pool, dialect, settings.schema());
      String instanceId = Ids.next('g');
      InstanceLock lock = dialect == Dialect.POSTGRESQL ? new InstanceLock(settings, instanceId) : null;
      return new Database(dialect, settings.limits(), pool, instanceId, lock);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private static Dialect dialectOf(StoreSettings settings) {
    if (settings.isSqlite()) {
      if (settings.schema() != null) {
        throw new IllegalArgumentException("schema is for PostgreSQL only");
      }
      return Dialect.SQLITE;
    }
    if (settings.isPostgres()) {
      return Dialect.POSTGRESQL;
    }
    throw new IllegalArgumentException("jdbcUrl must start with jdbc:sqlite: or jdbc:postgresql:");
  }

  private static void migrate(HikariDataSource pool, Dialect dialect, String schema) {
    var flyway = Flyway.configure().dataSource(pool).locations(dialect.migrations());
    if (schema != null) {
      flyway.schemas(schema).defaultSchema(schema);
    }
    try {
      flyway.load().migrate();
    } catch (RuntimeException e) {
      throw new StoreException("schema migration failed: " + e.getMessage(), e);
    }
  }

  /** The limits the stores on this database enforce. */
  public StoreLimits limits() {
    return limits;
  }

  /** Whether the database answers (for the readiness check). */
  public boolean ping() {
    try (Connection c = pool.getConnection()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  Dialect dialect() {
    return dialect;
  }

  /** The id of this gateway instance, written as the owner of the runs it starts. */
  String instanceId() {
    return instanceId;
  }

  /**
   * Whether other gateway instances' liveness is known while this one runs: on PostgreSQL an instance is gone when
   * its instance lock is free (see {@link InstanceLock}); SQLite serves one gateway process, so every other owner is
   * gone, which is only true at start-up.
   */
  boolean tracksInstances() {
    return instanceLock != null;
  }

  /**
   * Whether the gateway instance {@code owner} is gone (see {@link #tracksInstances()} for when this is known while
   * running).
   */
  boolean isGone(String owner) {
    if (instanceLock == null) {
      return true;
    }
    try {
      return instanceLock.isGone(owner);
    } catch (SQLException e) {
      throw new StoreException("cannot check gateway instance " + owner + ": " + e.getMessage(), e);
    }
  }

  /** {@code limit} checked and capped at {@link StoreLimits#maxPage()}. */
  int page(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    return Math.min(limit, limits.maxPage());
  }

  /** Runs {@code work} on a connection of its own (auto-commit). */
  <T> T read(SqlWork<T> work) {
    try (Connection c = pool.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new StoreException("transcript store read failed: " + e.getMessage(), e);
    }
  }

  /** The row of a query with one id parameter, if there is one. */
  <T> Optional<T> findById(String sql, String id, Rows.RowMapper<T> mapper) {
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setString(1, id);
        List<T> found = Rows.list(s, mapper);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
      }
    });
  }

  /** The statements kept prepared per connection (the event appends'). */
  StatementCache statements() {
    return statements;
  }

  /** The shared transactions of event appends. */
  GroupCommit appends() {
    return appends;
  }

  /** A pooled connection (auto-commit) for the caller to close. */
  Connection connection() throws SQLException {
    return pool.getConnection();
  }

  /**
   * Runs {@code work} in a transaction shared with the open event appends and commits it: durable when this returns;
   * constraint failures as ConstraintException.
   */
  <T> T write(SqlWork<T> work) {
    return appends.write(work);
  }

  @Override
  public void close() {
    try {
      appends.commit();
    } finally {
      closeHandles();
    }
  }

  private void closeHandles() {
    if (instanceLock != null) {
      instanceLock.close();
    }
    pool.close();
  }

  /** Work on one connection. */
  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }
}
