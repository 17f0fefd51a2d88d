package dev.clincher.router.keys;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The router's management tables on one connection: keys, teams, users, and the revision row. */
public final class Tables {
  private final Connection connection;
  private final KeyTable keys;
  private final TeamTable teams;
  private final UserTable users;

  Tables(Connection connection) {
    this.connection = connection;
    this.keys = new KeyTable(connection);
    this.teams = new TeamTable(connection);
    this.users = new UserTable(connection, teams);
  }

  public KeyTable keys() {
    return keys;
  }

  public TeamTable teams() {
    return teams;
  }

  public UserTable users() {
    return users;
  }

  /** The revision every management write raises. */
  long revision() throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT revision FROM management_revision WHERE id = 1"); ResultSet rows = select.executeQuery()) {
      if (!rows.next()) {
        throw new SQLException("management_revision has no row");
      }
      return rows.getLong(1);
    }
  }

  /**
   * Raises the revision: the first statement of every management transaction, so it takes the row's lock and
   * management writes run one after the other (on SQLite the transaction's write lock does the same).
   */
  void raiseRevision() throws SQLException {
    try (PreparedStatement update = connection.prepareStatement(
        "UPDATE management_revision SET revision = revision + 1 WHERE id = 1")) {
      if (update.executeUpdate() != 1) {
        throw new SQLException("management_revision has no row");
      }
    }
  }
}
