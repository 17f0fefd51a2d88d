package dev.clincher.router.keys;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;

/**
 * Virtual keys, teams and internal users in SQLite or PostgreSQL (JDBC, schema by Flyway from {@code db/router}).
 *
 * <p>Two connections: one for lookups (authentication, cache misses, the revision poll), one for management writes,
 * each used by one thread at a time and reopened after a failure. Writes run in one transaction each ({@link #write}),
 * which raises the revision row first; lookups of keys, teams and users are cached while {@link RevisionWatch} vouches
 * for them, so a key blocked, deleted, regenerated or expired early, and a team blocked or deleted, is refused by this
 * router at once and by every router sharing the database within {@link RevisionWatch#TRUST} (600 ms; in practice one
 * poll interval, 200 ms). A store opened with {@link #openUncached} (the command line) reads the database every time.
 */
public final class KeyStore implements AutoCloseable {
  /** Management work in one transaction (or one read). */
  @FunctionalInterface
  public interface Work<T, E extends Exception> {
    T run(Tables tables) throws SQLException, E;
  }

  private final Session reads;
  private final Session writes;
  private final RevisionWatch watch;
  private final FreshCache<VirtualKey> keys;
  private final FreshCache<Team> teams;
  private final FreshCache<InternalUser> users;

  private KeyStore(DatabaseUrl url) {
    boolean sqlite = !RouterDatabase.isPostgres(url);
    this.reads = new Session(url, driverProperties(sqlite, false));
    this.writes = new Session(url, driverProperties(sqlite, true));
    this.watch = new RevisionWatch(() -> reads.with(connection -> new Tables(connection).revision()), this::clear);
    this.keys = new FreshCache<>(watch);
    this.teams = new FreshCache<>(watch);
    this.users = new FreshCache<>(watch);
  }

  /** Opens the database, brings its schema up to date and starts watching for changes (a router). */
  public static KeyStore open(DatabaseUrl url) throws SQLException {
    KeyStore store = openUncached(url);
    store.watch.start();
    return store;
  }

  /** Opens the database and brings its schema up to date; nothing is cached (the command line). */
  public static KeyStore openUncached(DatabaseUrl url) throws SQLException {
    RouterDatabase.migrate(url);
    KeyStore store = new KeyStore(url);
    store.reads.with(connection -> null);
    return store;
  }

  /** The key whose current secret hashes to {@code secretHash}, if any (authentication; cached). */
  public Optional<VirtualKey> find(String secretHash) throws SQLException {
    return keys.get(secretHash, hash -> reads.with(connection -> new Tables(connection).keys().bySecret(hash)));
  }

  /** The team {@code teamId} with its limits and budget, if it exists (cached like keys). */
  public Optional<Team> team(String teamId) throws SQLException {
    return teams.get(teamId, id -> reads.with(connection -> new Tables(connection).teams().byId(id)));
  }

  /** The internal user {@code userId} with its budget and models, if it exists (cached like keys). */
  public Optional<InternalUser> user(String userId) throws SQLException {
    return users.get(userId, id -> reads.with(connection -> new Tables(connection).users().byId(id)));
  }

  /** Reads with {@code work}, uncached (management answers). */
  public <T, E extends Exception> T read(Work<T, E> work) throws SQLException, E {
    return reads.with(connection -> work.run(new Tables(connection)));
  }

  /**
   * Runs {@code work} in one transaction after raising the revision row; commits when it returns, rolls back when it
   * throws (nothing half-written). Cached records are dropped once it committed.
   */
  public <T, E extends Exception> T write(Work<T, E> work) throws SQLException, E {
    T result = writes.with(connection -> transaction(connection, work));
    watch.changed();
    return result;
  }

  private static <T, E extends Exception> T transaction(Connection connection, Work<T, E> work)
      throws SQLException, E {
    connection.setAutoCommit(false);
    try {
      Tables tables = new Tables(connection);
      tables.raiseRevision();
      T result = work.run(tables);
      connection.commit();
      return result;
    } catch (Throwable e) { // rethrown as what it is: SQLException, E (the work's refusal), unchecked
      rollback(connection);
      throw e;
    } finally {
      restoreAutoCommit(connection);
    }
  }

  private static void rollback(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the connection is dropped if it failed; the transaction dies with it
    }
  }

  private static void restoreAutoCommit(Connection connection) {
    try {
      connection.setAutoCommit(true);
    } catch (SQLException ignored) {
      // dropped with the connection
    }
  }

  /** Whether the database answers (readiness). */
  public boolean reachable() {
    try {
      reads.with(connection -> new Tables(connection).revision());
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    watch.close();
    clear();
    reads.close();
    writes.close();
  }

  private void clear() {
    keys.clear();
    teams.clear();
    users.clear();
  }

  /**
   * SQLite: wait up to 5 s for another process's write lock instead of failing at once; the write connection takes
   * the lock when its transaction begins, so two writers never deadlock upgrading a read lock.
   */
  private static Properties driverProperties(boolean sqlite, boolean writer) {
    Properties properties = new Properties();
    if (sqlite) {
      properties.setProperty("busy_timeout", "5000");
      if (writer) {
        properties.setProperty("transaction_mode", "IMMEDIATE");
      }
    }
    return properties;
  }
}
