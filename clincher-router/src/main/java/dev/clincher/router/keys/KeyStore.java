package dev.clincher.router.keys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.spend.BudgetPeriod;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Virtual keys in SQLite or PostgreSQL (JDBC, schema by Flyway from {@code db/router}). One connection, used by one
 * thread at a time and reopened after a failure; lookups of existing keys are cached for {@link #CACHE_TTL} (a key
 * deleted on another router instance keeps working there for at most that long; on this instance at once).
 * Unknown keys are never cached, so the cache stays as small as the table.
 */
public final class KeyStore implements AutoCloseable {
  /** How long a key found in the database is served from memory. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(5);
  private static final String COLUMNS = "token_hash, key_name, key_alias, models, max_budget, budget_duration, "
      + "rpm_limit, tpm_limit, expires_at, metadata, created_at";

  private record Cached(VirtualKey key, long loadedNanos) {}

  private final DatabaseUrl url;
  private final ObjectMapper json = new ObjectMapper();
  private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
  private Connection connection; // guarded by this

  private KeyStore(DatabaseUrl url) {
    this.url = url;
  }

  /** Opens the database and brings its schema up to date. */
  public static KeyStore open(DatabaseUrl url) throws SQLException {
    RouterDatabase.migrate(url);
    KeyStore store = new KeyStore(url);
    synchronized (store) {
      store.connection();
    }
    return store;
  }

  /** Adds a key. */
  public synchronized void insert(VirtualKey key) throws SQLException {
    try (PreparedStatement insert = connection().prepareStatement(
        "INSERT INTO virtual_keys (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, key.tokenHash());
      insert.setString(2, key.keyName());
      insert.setString(3, key.alias().orElse(null));
      insert.setString(4, write(key.models()));
      setDouble(insert, 5, key.maxBudget());
      insert.setString(6, key.budgetDuration().map(BudgetPeriod::text).orElse(null));
      setLong(insert, 7, key.rpmLimit());
      setLong(insert, 8, key.tpmLimit());
      setLong(insert, 9, key.expires().map(at -> OptionalLong.of(at.toEpochMilli())).orElse(OptionalLong.empty()));
      insert.setString(10, key.metadataJson());
      insert.setLong(11, key.createdAt().toEpochMilli());
      insert.executeUpdate();
    } catch (SQLException e) {
      dropConnectionOnFailure(e);
      throw e;
    }
  }

  /** The key whose SHA-256 is {@code tokenHash}, if it exists. */
  public Optional<VirtualKey> find(String tokenHash) throws SQLException {
    Cached cached = cache.get(tokenHash);
    if (cached != null && System.nanoTime() - cached.loadedNanos() < CACHE_TTL.toNanos()) {
      return Optional.of(cached.key());
    }
    Optional<VirtualKey> found = selectOne("token_hash", tokenHash);
    found.ifPresentOrElse(key -> cache.put(tokenHash, new Cached(key, System.nanoTime())),
        () -> cache.remove(tokenHash));
    return found;
  }

  /** The key named {@code alias}, if any. */
  public Optional<VirtualKey> findByAlias(String alias) throws SQLException {
    return selectOne("key_alias", alias);
  }

  /** Deletes the keys with these hashes; returns the hashes that existed. */
  public synchronized List<String> delete(Collection<String> tokenHashes) throws SQLException {
    List<String> deleted = new ArrayList<>();
    try (PreparedStatement delete = connection().prepareStatement("DELETE FROM virtual_keys WHERE token_hash = ?")) {
      for (String hash : tokenHashes) {
        cache.remove(hash);
        delete.setString(1, hash);
        if (delete.executeUpdate() > 0) {
          deleted.add(hash);
        }
      }
    } catch (SQLException e) {
      dropConnectionOnFailure(e);
      throw e;
    }
    return deleted;
  }

  /** Keys in creation order, {@code limit} from {@code offset}. */
  public synchronized List<VirtualKey> list(int offset, int limit) throws SQLException {
    try (PreparedStatement select = connection().prepareStatement(
        "SELECT " + COLUMNS + " FROM virtual_keys ORDER BY created_at, token_hash LIMIT ? OFFSET ?")) {
      select.setInt(1, limit);
      select.setInt(2, offset);
      return read(select);
    } catch (SQLException e) {
      dropConnectionOnFailure(e);
      throw e;
    }
  }

  /** How many keys exist. */
  public synchronized long count() throws SQLException {
    try (PreparedStatement select = connection().prepareStatement("SELECT COUNT(*) FROM virtual_keys");
        ResultSet rows = select.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      dropConnectionOnFailure(e);
      throw e;
    }
  }

  /** Whether the database answers (readiness). */
  public boolean reachable() {
    try {
      count();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public synchronized void close() {
    cache.clear();
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
      connection = null;
    }
  }

  private synchronized Optional<VirtualKey> selectOne(String column, String value) throws SQLException {
    try (PreparedStatement select = connection().prepareStatement(
        "SELECT " + COLUMNS + " FROM virtual_keys WHERE " + column + " = ?")) {
      select.setString(1, value);
      List<VirtualKey> rows = read(select);
      return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    } catch (SQLException e) {
      dropConnectionOnFailure(e);
      throw e;
    }
  }

  private List<VirtualKey> read(PreparedStatement select) throws SQLException {
    List<VirtualKey> keys = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        keys.add(row(rows));
      }
    }
    return keys;
  }

  private VirtualKey row(ResultSet rows) throws SQLException {
    double maxBudget = rows.getDouble("max_budget");
    OptionalDouble budget = rows.wasNull() ? OptionalDouble.empty() : OptionalDouble.of(maxBudget);
    OptionalLong rpm = optionalLong(rows, "rpm_limit");
    OptionalLong tpm = optionalLong(rows, "tpm_limit");
    OptionalLong expires = optionalLong(rows, "expires_at");
    return new VirtualKey(rows.getString("token_hash"), rows.getString("key_name"),
        Optional.ofNullable(rows.getString("key_alias")), readList(rows.getString("models")), budget,
        Optional.ofNullable(rows.getString("budget_duration")).flatMap(BudgetPeriod::parse), rpm, tpm,
        expires.isPresent() ? Optional.of(Instant.ofEpochMilli(expires.getAsLong())) : Optional.empty(),
        rows.getString("metadata"), Instant.ofEpochMilli(rows.getLong("created_at")));
  }

  private static OptionalLong optionalLong(ResultSet rows, String column) throws SQLException {
    long value = rows.getLong(column);
    return rows.wasNull() ? OptionalLong.empty() : OptionalLong.of(value);
  }

  private static void setDouble(PreparedStatement statement, int index, OptionalDouble value) throws SQLException {
    if (value.isPresent()) {
      statement.setDouble(index, value.getAsDouble());
    } else {
      statement.setNull(index, Types.DOUBLE);
    }
  }

  private static void setLong(PreparedStatement statement, int index, OptionalLong value) throws SQLException {
    if (value.isPresent()) {
      statement.setLong(index, value.getAsLong());
    } else {
      statement.setNull(index, Types.BIGINT);
    }
  }

  private String write(List<String> models) {
    try {
      return json.writeValueAsString(models);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a list of strings always serializes", e);
    }
  }

  private List<String> readList(String text) throws SQLException {
    try {
      return json.readValue(text, new TypeReference<List<String>>() {});
    } catch (JsonProcessingException e) {
      throw new SQLException("virtual_keys.models is not a JSON list");
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = RouterDatabase.connect(url, new Properties());
    }
    return connection;
  }

  private void dropConnectionOnFailure(SQLException e) {
    if (e.getSQLState() == null || e.getSQLState().startsWith("08")) {
      close();
    }
  }
}
