package dev.clincher.gateway.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Prepared statements kept per physical connection, for the statements every event append runs: sqlite-jdbc keeps no
 * statement cache (xerial/sqlite-jdbc#614) and HikariCP leaves caching to drivers, so each append parsed its SQL again
 * (a profile of the agent-step benchmark: about a third of an append's CPU, on the run's own thread).
 *
 * <p>A statement is prepared on the pool's physical connection, not through its proxy, so returning the connection to
 * the pool does not close it; it is used only by the connection's current borrower (one thread at a time), and must
 * not be closed by the caller (its result sets must be). The entries of connections the pool has closed are dropped
 * when a new connection is seen, so the cache holds at most the pool's connections times the statements used.
 */
final class StatementCache {
  private final Map<Connection, Map<String, PreparedStatement>> byConnection = new HashMap<>();

  /** The statement for {@code sql} on {@code c}'s physical connection, prepared once, with its parameters cleared. */
  PreparedStatement prepared(Connection c, String sql) throws SQLException {
    Connection physical = c.isWrapperFor(Connection.class) ? c.unwrap(Connection.class) : c;
    PreparedStatement statement;
    synchronized (byConnection) {
      Map<String, PreparedStatement> statements = byConnection.get(physical);
      if (statements == null) {
        dropClosedConnections();
        statements = new HashMap<>();
        byConnection.put(physical, statements);
      }
      statement = statements.get(sql);
      if (statement == null || statement.isClosed()) {
        statement = physical.prepareStatement(sql);
        statements.put(sql, statement);
      }
    }
    statement.clearParameters();
    return statement;
  }

  /** How many connections have statements here (for tests). */
  int connections() {
    synchronized (byConnection) {
      return byConnection.size();
    }
  }

  private void dropClosedConnections() throws SQLException {
    var entries = byConnection.entrySet().iterator();
    while (entries.hasNext()) {
      if (entries.next().getKey().isClosed()) {
        entries.remove(); // its statements closed with it
      }
    }
  }
}
