package dev.clincher.router.keys;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The {@code virtual_keys} table on one connection. A key is found by its id ({@code token_hash}) or by the hash of
 * the secret that works now ({@code secret_hash}; the two differ once a key was regenerated).
 */
public final class KeyTable {
  private static final String COLUMNS = "token_hash, key_name, key_alias, models, max_budget, budget_duration, "
      + "rpm_limit, tpm_limit, expires_at, metadata, created_at, team_id, user_id, blocked, max_parallel_requests";

  private final Connection connection;

  KeyTable(Connection connection) {
    this.connection = connection;
  }

  /** Adds {@code key}, whose secret hashes to {@code secretHash}. */
  public void insert(VirtualKey key, String secretHash) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO virtual_keys (" + COLUMNS
        + ", secret_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      settings(new Columns.Binder(insert).text(key.tokenHash()).text(key.keyName()), key)
          .time(key.createdAt()).text(key.teamId()).text(key.userId()).flag(key.blocked())
          .number(key.maxParallelRequests()).text(secretHash);
      insert.executeUpdate();
    }
  }

  /** Writes every setting of {@code key} (found by its id); false when it does not exist. */
  public boolean update(VirtualKey key) throws SQLException {
    try (PreparedStatement update = connection.prepareStatement("UPDATE virtual_keys SET key_name = ?, key_alias = ?, "
        + "models = ?, max_budget = ?, budget_duration = ?, rpm_limit = ?, tpm_limit = ?, expires_at = ?, metadata = ?, "
        + "team_id = ?, user_id = ?, blocked = ?, max_parallel_requests = ? WHERE token_hash = ?")) {
      settings(new Columns.Binder(update).text(key.keyName()), key).text(key.teamId()).text(key.userId())
          .flag(key.blocked()).number(key.maxParallelRequests()).text(key.tokenHash());
      return update.executeUpdate() > 0;
    }
  }

  private static Columns.Binder settings(Columns.Binder binder, VirtualKey key) throws SQLException {
    return binder.text(key.alias()).list(key.models()).number(key.maxBudget()).period(key.budgetDuration())
        .number(key.rpmLimit()).number(key.tpmLimit())
        .number(key.expires().map(at -> java.util.OptionalLong.of(at.toEpochMilli()))
            .orElse(java.util.OptionalLong.empty()))
        .text(key.metadataJson());
  }

  /** Gives the key {@code tokenHash} a new secret (its old one stops working) and the display name that goes with it. */
  public boolean replaceSecret(String tokenHash, String secretHash, String keyName) throws SQLException {
    try (PreparedStatement update = connection.prepareStatement(
        "UPDATE virtual_keys SET secret_hash = ?, key_name = ? WHERE token_hash = ?")) {
      new Columns.Binder(update).text(secretHash).text(keyName).text(tokenHash);
      return update.executeUpdate() > 0;
    }
  }

  /** The key whose current secret hashes to {@code secretHash} (authentication). */
  public Optional<VirtualKey> bySecret(String secretHash) throws SQLException {
    return one("secret_hash = ?", secretHash);
  }

  /** The key with id {@code hash}, else the key whose current secret hashes to it. */
  public Optional<VirtualKey> byTokenOrSecret(String hash) throws SQLException {
    Optional<VirtualKey> byId = one("token_hash = ?", hash);
    return byId.isPresent() ? byId : bySecret(hash);
  }

  public Optional<VirtualKey> byAlias(String alias) throws SQLException {
    return one("key_alias = ?", alias);
  }

  /** The keys of team {@code teamId}, oldest first. */
  public List<VirtualKey> ofTeam(String teamId) throws SQLException {
    return list(0, Integer.MAX_VALUE, Optional.of(teamId), Optional.empty());
  }

  /** The keys of user {@code userId}, oldest first. */
  public List<VirtualKey> ofUser(String userId) throws SQLException {
    return list(0, Integer.MAX_VALUE, Optional.empty(), Optional.of(userId));
  }

  /** Keys in creation order, {@code limit} from {@code offset}, of one team and/or user when given. */
  public List<VirtualKey> list(int offset, int limit, Optional<String> teamId, Optional<String> userId)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM virtual_keys"
        + filter(teamId, userId) + " ORDER BY created_at, token_hash LIMIT ? OFFSET ?")) {
      Columns.Binder binder = bindFilter(new Columns.Binder(select), teamId, userId);
      binder.number(limit).number(offset);
      return Columns.all(select, KeyTable::row);
    }
  }

  /** How many keys exist, of one team and/or user when given. */
  public long count(Optional<String> teamId, Optional<String> userId) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT COUNT(*) FROM virtual_keys" + filter(teamId, userId))) {
      bindFilter(new Columns.Binder(select), teamId, userId);
      try (ResultSet rows = select.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /** Deletes the keys with these ids; returns the ids that existed. */
  public List<String> delete(Collection<String> tokenHashes) throws SQLException {
    List<String> deleted = new ArrayList<>();
    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM virtual_keys WHERE token_hash = ?")) {
      for (String hash : tokenHashes) {
        delete.setString(1, hash);
        if (delete.executeUpdate() > 0) {
          deleted.add(hash);
        }
      }
    }
    return deleted;
  }

  private static String filter(Optional<String> teamId, Optional<String> userId) {
    List<String> conditions = new ArrayList<>();
    teamId.ifPresent(id -> conditions.add("team_id = ?"));
    userId.ifPresent(id -> conditions.add("user_id = ?"));
    return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
  }

  private static Columns.Binder bindFilter(Columns.Binder binder, Optional<String> teamId, Optional<String> userId)
      throws SQLException {
    if (teamId.isPresent()) {
      binder.text(teamId.get());
    }
    if (userId.isPresent()) {
      binder.text(userId.get());
    }
    return binder;
  }

  private Optional<VirtualKey> one(String condition, String value) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM virtual_keys WHERE " + condition)) {
      select.setString(1, value);
      return Columns.first(select, KeyTable::row);
    }
  }

  private static VirtualKey row(ResultSet rows) throws SQLException {
    java.util.OptionalLong expires = Columns.optionalLong(rows, "expires_at");
    return new VirtualKey(rows.getString("token_hash"), rows.getString("key_name"),
        Columns.optionalText(rows, "key_alias"), Columns.list(rows, "models"), Columns.optionalDouble(rows, "max_budget"),
        Columns.period(rows, "budget_duration"), Columns.optionalLong(rows, "rpm_limit"),
        Columns.optionalLong(rows, "tpm_limit"),
        expires.isPresent() ? Optional.of(java.time.Instant.ofEpochMilli(expires.getAsLong())) : Optional.empty(),
        rows.getString("metadata"), Columns.time(rows, "created_at"), Columns.optionalText(rows, "team_id"),
        Columns.optionalText(rows, "user_id"), Columns.flag(rows, "blocked"),
        Columns.optionalLong(rows, "max_parallel_requests"));
  }
}
