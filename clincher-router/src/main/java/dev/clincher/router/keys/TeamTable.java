package dev.clincher.router.keys;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code teams} and {@code team_memberships} tables on one connection. */
public final class TeamTable {
  private static final String COLUMNS = "team_id, team_alias, models, max_budget, budget_duration, rpm_limit, "
      + "tpm_limit, max_parallel_requests, blocked, metadata, created_at, updated_at";

  private final Connection connection;

  TeamTable(Connection connection) {
    this.connection = connection;
  }

  /** Adds {@code team} (its members are added with {@link #addMember}). */
  public void insert(Team team) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO teams (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      settings(new Columns.Binder(insert).text(team.teamId()), team).time(team.createdAt()).time(team.updatedAt());
      insert.executeUpdate();
    }
  }

  /** Writes every setting of {@code team} but its members; false when it does not exist. */
  public boolean update(Team team) throws SQLException {
    try (PreparedStatement update = connection.prepareStatement("UPDATE teams SET team_alias = ?, models = ?, "
        + "max_budget = ?, budget_duration = ?, rpm_limit = ?, tpm_limit = ?, max_parallel_requests = ?, blocked = ?, "
        + "metadata = ?, updated_at = ? WHERE team_id = ?")) {
      settings(new Columns.Binder(update), team).time(team.updatedAt()).text(team.teamId());
      return update.executeUpdate() > 0;
    }
  }

  private static Columns.Binder settings(Columns.Binder binder, Team team) throws SQLException {
    return binder.text(team.alias()).list(team.models()).number(team.maxBudget()).period(team.budgetDuration())
        .number(team.rpmLimit()).number(team.tpmLimit()).number(team.maxParallelRequests()).flag(team.blocked())
        .text(team.metadataJson());
  }

  /** The team {@code teamId}, with its members. */
  public Optional<Team> byId(String teamId) throws SQLException {
    return one("team_id = ?", teamId);
  }

  public Optional<Team> byAlias(String alias) throws SQLException {
    return one("team_alias = ?", alias);
  }

  /** Every team, oldest first, with its members. */
  public List<Team> list() throws SQLException {
    List<Team> teams;
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM teams ORDER BY created_at, team_id")) {
      teams = Columns.all(select, TeamTable::row);
    }
    List<Team> full = new ArrayList<>(teams.size());
    for (Team team : teams) {
      full.add(team.withMembers(members(team.teamId())));
    }
    return full;
  }

  /** Deletes the team and its memberships (not its keys); false when it did not exist. */
  public boolean delete(String teamId) throws SQLException {
    try (PreparedStatement memberships = connection.prepareStatement("DELETE FROM team_memberships WHERE team_id = ?");
        PreparedStatement team = connection.prepareStatement("DELETE FROM teams WHERE team_id = ?")) {
      memberships.setString(1, teamId);
      memberships.executeUpdate();
      team.setString(1, teamId);
      return team.executeUpdate() > 0;
    }
  }

  /** The members of team {@code teamId} with their e-mails, by user id. */
  public List<TeamMember> members(String teamId) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement("SELECT m.user_id, m.role, u.user_email "
        + "FROM team_memberships m LEFT JOIN internal_users u ON u.user_id = m.user_id WHERE m.team_id = ? "
        + "ORDER BY m.user_id")) {
      select.setString(1, teamId);
      return Columns.all(select, rows -> new TeamMember(rows.getString("user_id"),
          Columns.optionalText(rows, "user_email"), rows.getString("role")));
    }
  }

  public void addMember(String teamId, String userId, String role) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO team_memberships (team_id, user_id, role) VALUES (?, ?, ?)")) {
      new Columns.Binder(insert).text(teamId).text(userId).text(role);
      insert.executeUpdate();
    }
  }

  /** Removes {@code userId} from the team; false when it was no member. */
  public boolean removeMember(String teamId, String userId) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement(
        "DELETE FROM team_memberships WHERE team_id = ? AND user_id = ?")) {
      new Columns.Binder(delete).text(teamId).text(userId);
      return delete.executeUpdate() > 0;
    }
  }

  /** The ids of the teams {@code userId} is a member of. */
  public List<String> teamsOf(String userId) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT team_id FROM team_memberships WHERE user_id = ? ORDER BY team_id")) {
      select.setString(1, userId);
      return Columns.all(select, rows -> rows.getString("team_id"));
    }
  }

  private Optional<Team> one(String condition, String value) throws SQLException {
    Optional<Team> team;
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT " + COLUMNS + " FROM teams WHERE " + condition)) {
      select.setString(1, value);
      team = Columns.first(select, TeamTable::row);
    }
    return team.isEmpty() ? team : Optional.of(team.get().withMembers(members(team.get().teamId())));
  }

  private static Team row(ResultSet rows) throws SQLException {
    return new Team(rows.getString("team_id"), Columns.optionalText(rows, "team_alias"), Columns.list(rows, "models"),
        Columns.optionalDouble(rows, "max_budget"), Columns.period(rows, "budget_duration"),
        Columns.optionalLong(rows, "rpm_limit"), Columns.optionalLong(rows, "tpm_limit"),
        Columns.optionalLong(rows, "max_parallel_requests"), Columns.flag(rows, "blocked"), rows.getString("metadata"),
        List.of(), Columns.time(rows, "created_at"), Columns.time(rows, "updated_at"));
  }
}
