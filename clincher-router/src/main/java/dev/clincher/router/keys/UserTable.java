package dev.clincher.router.keys;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code internal_users} table on one connection; a user's teams come from {@code team_memberships}. */
public final class UserTable {
  private static final String COLUMNS = "user_id, user_email, user_role, max_budget, budget_duration, models, "
      + "metadata, created_at, updated_at";

  private final Connection connection;
  private final TeamTable teams;

  UserTable(Connection connection, TeamTable teams) {
    this.connection = connection;
    this.teams = teams;
  }

  /** Adds {@code user} (its teams are joined with {@link TeamTable#addMember}). */
  public void insert(InternalUser user) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO internal_users (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      settings(new Columns.Binder(insert).text(user.userId()), user).time(user.createdAt()).time(user.updatedAt());
      insert.executeUpdate();
    }
  }

  /** Writes every setting of {@code user} but its teams; false when it does not exist. */
  public boolean update(InternalUser user) throws SQLException {
    try (PreparedStatement update = connection.prepareStatement("UPDATE internal_users SET user_email = ?, "
        + "user_role = ?, max_budget = ?, budget_duration = ?, models = ?, metadata = ?, updated_at = ? "
        + "WHERE user_id = ?")) {
      settings(new Columns.Binder(update), user).time(user.updatedAt()).text(user.userId());
      return update.executeUpdate() > 0;
    }
  }

  private static Columns.Binder settings(Columns.Binder binder, InternalUser user) throws SQLException {
    return binder.text(user.email()).text(user.role()).number(user.maxBudget()).period(user.budgetDuration())
        .list(user.models()).text(user.metadataJson());
  }

  /** The user {@code userId}, with its teams. */
  public Optional<InternalUser> byId(String userId) throws SQLException {
    return one("user_id = ?", userId);
  }

  public Optional<InternalUser> byEmail(String email) throws SQLException {
    return one("user_email = ?", email);
  }

  /** Users by id, {@code limit} from {@code offset}, with their teams. */
  public List<InternalUser> list(int offset, int limit) throws SQLException {
    List<InternalUser> users;
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM internal_users ORDER BY user_id LIMIT ? OFFSET ?")) {
      new Columns.Binder(select).number(limit).number(offset);
      users = Columns.all(select, UserTable::row);
    }
    List<InternalUser> full = new ArrayList<>(users.size());
    for (InternalUser user : users) {
      full.add(withTeams(user));
    }
    return full;
  }

  public long count() throws SQLException {
    try (PreparedStatement select = connection.prepareStatement("SELECT COUNT(*) FROM internal_users");
        ResultSet rows = select.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** Deletes the user and its memberships (not its keys); false when it did not exist. */
  public boolean delete(String userId) throws SQLException {
    try (PreparedStatement memberships = connection.prepareStatement("DELETE FROM team_memberships WHERE user_id = ?");
        PreparedStatement user = connection.prepareStatement("DELETE FROM internal_users WHERE user_id = ?")) {
      memberships.setString(1, userId);
      memberships.executeUpdate();
      user.setString(1, userId);
      return user.executeUpdate() > 0;
    }
  }

  private Optional<InternalUser> one(String condition, String value) throws SQLException {
    Optional<InternalUser> user;
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM internal_users WHERE " + condition)) {
      select.setString(1, value);
      user = Columns.first(select, UserTable::row);
    }
    return user.isEmpty() ? user : Optional.of(withTeams(user.get()));
  }

  private InternalUser withTeams(InternalUser user) throws SQLException {
    return new InternalUser(user.userId(), user.email(), user.role(), user.maxBudget(), user.budgetDuration(),
        user.models(), user.metadataJson(), teams.teamsOf(user.userId()), user.createdAt(), user.updatedAt());
  }

  private static InternalUser row(ResultSet rows) throws SQLException {
    return new InternalUser(rows.getString("user_id"), Columns.optionalText(rows, "user_email"),
        rows.getString("user_role"), Columns.optionalDouble(rows, "max_budget"), Columns.period(rows, "budget_duration"),
        Columns.list(rows, "models"), rows.getString("metadata"), List.of(), Columns.time(rows, "created_at"),
        Columns.time(rows, "updated_at"));
  }
}
