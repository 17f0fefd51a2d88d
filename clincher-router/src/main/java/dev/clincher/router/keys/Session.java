package dev.clincher.router.keys;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One database connection used by one thread at a time (a lock, not {@code synchronized}, so a virtual thread waiting
 * on the database does not pin its carrier), opened on first use and dropped after a connection failure so the next
 * use opens a new one.
 */
final class Session implements AutoCloseable {
  /** Work on the connection. */
  @FunctionalInterface
  interface Work<T, E extends Exception> {
    T run(Connection connection) throws SQLException, E;
  }

  private final DatabaseUrl url;
  private final Properties driverProperties;
  private final ReentrantLock lock = new ReentrantLock();
  private Connection connection; // guarded by lock

  Session(DatabaseUrl url, Properties driverProperties) {
    this.url = url;
    this.driverProperties = driverProperties;
  }

  <T, E extends Exception> T with(Work<T, E> work) throws SQLException, E {
    lock.lock();
    try {
      if (connection == null) {
        connection = RouterDatabase.connect(url, driverProperties);
      }
      return work.run(connection);
    } catch (SQLException e) {
      if (e.getSQLState() == null || e.getSQLState().startsWith("08")) {
        closeConnection();
      }
      throw e;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closeConnection();
    } finally {
      lock.unlock();
    }
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
      connection = null;
    }
  }
}
