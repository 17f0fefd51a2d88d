package dev.clincher.gateway.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Liveness of gateway instances sharing one PostgreSQL: each open store holds a session-level advisory lock keyed by
 * its random instance id on a connection of its own, for as long as it is open. PostgreSQL drops the lock when that
 * connection ends (close, crash, kill -9), so another instance that can take the lock knows the owner is gone and
 * may mark its runs interrupted.
 */
final class InstanceLock implements AutoCloseable {
  /** First half of the two-int advisory lock key ("clnr"), so Clincher's locks do not meet other applications'. */
  private static final int KEY_SPACE = 0x636c6e72;

  private final Connection connection;

  InstanceLock(StoreSettings settings, String instanceId) {
    Properties properties = new Properties();
    if (settings.user() != null) {
      properties.setProperty("user", settings.user());
    }
    if (settings.password() != null) {
      properties.setProperty("password", settings.password().reveal());
    }
    try {
      connection = DriverManager.getConnection(settings.jdbcUrl(), properties);
      try (PreparedStatement s = connection.prepareStatement("SELECT pg_advisory_lock(?, hashtext(?))")) {
        s.setInt(1, KEY_SPACE);
        s.setString(2, instanceId);
        s.executeQuery().close();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot take the instance lock: " + e.getMessage(), e);
    }
  }

  /** Whether the instance {@code owner} no longer holds its lock (its store was closed or its process died). */
  synchronized boolean isGone(String owner) throws SQLException {
    try (PreparedStatement s = connection.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
      s.setInt(1, KEY_SPACE);
      s.setString(2, owner);
      try (ResultSet rows = s.executeQuery()) {
        rows.next();
        if (!rows.getBoolean(1)) {
          return false;
        }
      }
    }
    try (PreparedStatement s = connection.prepareStatement("SELECT pg_advisory_unlock(?, hashtext(?))")) {
      s.setInt(1, KEY_SPACE);
      s.setString(2, owner);
      s.executeQuery().close();
    }
    return true;
  }

  /**
   * Releases the lock before closing its connection: the server drops a closed connection's locks only when its
   * backend has exited, which a store opened right after could otherwise still see as held.
   */
  @Override
  public synchronized void close() {
    try (PreparedStatement s = connection.prepareStatement("SELECT pg_advisory_unlock_all()")) {
      s.executeQuery().close();
    } catch (SQLException e) {
      // closing the connection below releases it too, only later
    }
    try {
      connection.close();
    } catch (SQLException e) {
      // the lock goes with the connection either way
    }
  }
}
