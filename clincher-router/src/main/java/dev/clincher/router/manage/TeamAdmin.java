package dev.clincher.router.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.keys.InternalUser;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.keys.Tables;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.TeamMember;
import dev.clincher.router.keys.VirtualKey;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiteLLM's {@code /team/*} routes: new, info, list, update, delete, member_add, member_delete, block, unblock.
 * Deleting a team deletes its keys (as LiteLLM does); members are internal users, created when a member named does not
 * exist yet (as LiteLLM does).
 */
final class TeamAdmin {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  static final Set<String> SETTINGS = Set.of("team_alias", "models", "max_budget", "budget_duration", "rpm_limit",
      "tpm_limit", "max_parallel_requests", "blocked", "metadata");
  private static final Set<String> NEW = KeyAdmin.with(SETTINGS, "team_id", "members_with_roles");
  private static final Set<String> UPDATE = KeyAdmin.with(SETTINGS, "team_id");
  private static final Set<String> TEAM_ONLY = Set.of("team_id");
  private static final Set<String> MEMBER_ADD = Set.of("team_id", "member");
  private static final Set<String> MEMBER_DELETE = Set.of("team_id", "user_id", "user_email");
  private static final Set<String> MEMBER = Set.of("role", "user_id", "user_email");
  private static final int MAX_MEMBERS = 1000;

  private final KeyStore store;
  private final Shapes shapes;
  private final Clock clock;
  private final String actor;

  TeamAdmin(KeyStore store, Shapes shapes, Clock clock, String actor) {
    this.store = store;
    this.shapes = shapes;
    this.clock = clock;
    this.actor = actor;
  }

  ObjectNode create(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, NEW);
    String teamId = body.text("team_id").orElseGet(() -> UUID.randomUUID().toString());
    List<JsonNode> members = members(body.raw("members_with_roles"), "members_with_roles");
    Instant now = clock.instant();
    Team created = store.write(tables -> {
      if (tables.teams().byId(teamId).isPresent()) {
        throw ManagementException.badRequest("team_id", "a team with this team_id exists already");
      }
      Team team = settings(body, new Team(teamId, Optional.empty(), List.of(), OptionalDouble.empty(),
          Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), false, "{}", List.of(),
          now, now), now);
      checkAlias(tables, team, Optional.empty());
      tables.teams().insert(team);
      for (JsonNode member : members) {
        join(tables, teamId, member, "members_with_roles");
      }
      return tables.teams().byId(teamId).orElseThrow();
    });
    log("router.team.created", created);
    return shapes.team(created);
  }

  /** LiteLLM's {@code /team/info}: the team, its keys and memberships. */
  ObjectNode info(JsonNode input) throws ManagementException, SQLException {
    String teamId = Body.of(input, TEAM_ONLY).required("team_id");
    record Found(Team team, List<VirtualKey> keys) {}
    Found found = store.read(tables -> new Found(find(tables, teamId), tables.keys().ofTeam(teamId)));
    ObjectNode answer = shapes.object();
    answer.put("team_id", teamId);
    answer.set("team_info", shapes.team(found.team()));
    answer.set("keys", shapes.keys(found.keys()));
    answer.set("team_memberships", shapes.memberships(found.team()));
    return answer;
  }

  /** LiteLLM's {@code /team/list}: every team with its keys and memberships, as a JSON list. */
  ArrayNode list(JsonNode input) throws ManagementException, SQLException {
    Optional<String> user = Body.of(input, Set.of("user_id")).text("user_id");
    record Listed(Team team, List<VirtualKey> keys) {}
    List<Listed> teams = store.read(tables -> {
      List<Listed> all = new ArrayList<>();
      for (Team team : tables.teams().list()) {
        if (user.isEmpty() || team.members().stream().anyMatch(m -> m.userId().equals(user.get()))) {
          all.add(new Listed(team, tables.keys().ofTeam(team.teamId())));
        }
      }
      return all;
    });
    ArrayNode answer = shapes.array();
    for (Listed listed : teams) {
      ObjectNode team = shapes.team(listed.team());
      team.set("keys", shapes.keys(listed.keys()));
      team.set("team_memberships", shapes.memberships(listed.team()));
      answer.add(team);
    }
    return answer;
  }

  /** A partial update: only the fields given change. */
  ObjectNode update(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, UPDATE);
    String teamId = body.required("team_id");
    Team updated = store.write(tables -> {
      Team old = find(tables, teamId);
      Team team = settings(body, old, clock.instant());
      checkAlias(tables, team, Optional.of(old));
      tables.teams().update(team);
      return team;
    });
    log("router.team.updated", updated);
    ObjectNode answer = shapes.object();
    answer.put("team_id", teamId);
    answer.set("data", shapes.team(updated));
    return answer;
  }

  ObjectNode block(JsonNode input, boolean blocked) throws ManagementException, SQLException {
    String teamId = Body.of(input, TEAM_ONLY).required("team_id");
    Team changed = store.write(tables -> {
      Team old = find(tables, teamId);
      Team team = new Team(old.teamId(), old.alias(), old.models(), old.maxBudget(), old.budgetDuration(),
          old.rpmLimit(), old.tpmLimit(), old.maxParallelRequests(), blocked, old.metadataJson(), old.members(),
          old.createdAt(), clock.instant());
      tables.teams().update(team);
      return team;
    });
    log(blocked ? "router.team.blocked" : "router.team.unblocked", changed);
    return shapes.team(changed);
  }

  /** Deletes the teams named and their keys, all or none: an unknown team id refuses the whole request. */
  ObjectNode delete(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, Set.of("team_ids"));
    List<String> teamIds = List.copyOf(new LinkedHashSet<>(body.strings("team_ids", List.of())));
    if (teamIds.isEmpty()) {
      throw ManagementException.badRequest("team_ids", "'team_ids' (a list of team ids) is required");
    }
    List<String> deletedKeys = store.write(tables -> {
      for (String teamId : teamIds) {
        find(tables, teamId);
      }
      List<String> keys = new ArrayList<>();
      for (String teamId : teamIds) {
        keys.addAll(tables.keys().delete(tables.keys().ofTeam(teamId).stream().map(VirtualKey::tokenHash).toList()));
        tables.teams().delete(teamId);
      }
      return keys;
    });
    teamIds.forEach(teamId -> LOG.atInfo().addKeyValue("team", teamId).addKeyValue("actor", actor)
        .addKeyValue("keys_deleted", deletedKeys.size()).log("router.team.deleted"));
    ObjectNode answer = shapes.object();
    ArrayNode list = answer.putArray("deleted_teams");
    teamIds.forEach(list::add);
    return answer;
  }

  /** LiteLLM's {@code /team/member_add}: one member or a list; users not known yet are created. */
  ObjectNode addMembers(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, MEMBER_ADD);
    String teamId = body.required("team_id");
    JsonNode given = body.raw("member");
    if (given.isMissingNode() || given.isNull()) {
      throw ManagementException.badRequest("member", "'member' is required: {role, user_id | user_email} or a list");
    }
    List<JsonNode> members = given.isArray() ? members(given, "member") : List.of(given);
    record Added(Team team, List<InternalUser> users) {}
    Added added = store.write(tables -> {
      find(tables, teamId);
      List<InternalUser> users = new ArrayList<>();
      for (JsonNode member : members) {
        users.add(join(tables, teamId, member, "member"));
      }
      return new Added(tables.teams().byId(teamId).orElseThrow(), users);
    });
    added.users().forEach(user -> LOG.atInfo().addKeyValue("team", teamId).addKeyValue("user", user.userId())
        .addKeyValue("actor", actor).log("router.team.member_added"));
    ObjectNode answer = shapes.team(added.team());
    ArrayNode users = answer.putArray("updated_users");
    ArrayNode memberships = answer.putArray("updated_team_memberships");
    for (InternalUser user : added.users()) {
      users.add(shapes.user(user));
      memberships.addObject().put("team_id", teamId).put("user_id", user.userId());
    }
    return answer;
  }

  /** LiteLLM's {@code /team/member_delete}: by {@code user_id} or {@code user_email}. */
  ObjectNode deleteMember(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, MEMBER_DELETE);
    String teamId = body.required("team_id");
    Optional<String> userId = body.text("user_id");
    Optional<String> email = body.text("user_email");
    if (userId.isEmpty() && email.isEmpty()) {
      throw ManagementException.badRequest("user_id", "'user_id' or 'user_email' is required");
    }
    Team team = store.write(tables -> {
      find(tables, teamId);
      Optional<InternalUser> user = userId.isPresent() ? tables.users().byId(userId.get())
          : tables.users().byEmail(email.get());
      if (user.isEmpty() || !tables.teams().removeMember(teamId, user.get().userId())) {
        throw ManagementException.badRequest(userId.isPresent() ? "user_id" : "user_email",
            "this user is not a member of the team");
      }
      return tables.teams().byId(teamId).orElseThrow();
    });
    LOG.atInfo().addKeyValue("team", teamId).addKeyValue("actor", actor).log("router.team.member_deleted");
    return shapes.team(team);
  }

  /**
   * Makes {@code member} ({role, user_id | user_email}) a member of the team: found by id, else by e-mail, else
   * created (id given or a UUID). Returns the user.
   */
  private InternalUser join(Tables tables, String teamId, JsonNode member, String field)
      throws ManagementException, SQLException {
    Body fields = Body.of(member, MEMBER);
    String role = fields.text("role").orElse("user");
    if (!TeamMember.ROLES.contains(role)) {
      throw ManagementException.badRequest(field, "a member's role must be 'admin' or 'user'");
    }
    Optional<String> userId = fields.text("user_id");
    Optional<String> email = fields.text("user_email");
    if (userId.isEmpty() && email.isEmpty()) {
      throw ManagementException.badRequest(field, "a member needs 'user_id' or 'user_email'");
    }
    Optional<InternalUser> known = userId.isPresent() ? tables.users().byId(userId.get())
        : tables.users().byEmail(email.get());
    InternalUser user = known.isPresent() ? known.get() : UserAdmin.createMember(tables, userId, email,
        clock.instant(), field);
    if (user.teams().contains(teamId)) {
      throw ManagementException.badRequest(field, "user " + Body.printable(user.userId())
          + " is a member of the team already");
    }
    tables.teams().addMember(teamId, user.userId(), role);
    return tables.users().byId(user.userId()).orElseThrow();
  }

  private static List<JsonNode> members(JsonNode list, String field) throws ManagementException {
    if (list.isMissingNode() || list.isNull()) {
      return List.of();
    }
    if (!list.isArray() || list.size() > MAX_MEMBERS) {
      throw ManagementException.badRequest(field, "'" + field + "' must be a list of at most " + MAX_MEMBERS
          + " members {role, user_id | user_email}");
    }
    List<JsonNode> members = new ArrayList<>();
    list.forEach(members::add);
    return members;
  }

  /** The settings of {@code body} over those of {@code base}; updated now. */
  private static Team settings(Body body, Team base, Instant now) throws ManagementException {
    return new Team(base.teamId(), body.text("team_alias", base.alias()), body.strings("models", base.models()),
        body.money("max_budget", base.maxBudget()), body.period("budget_duration", base.budgetDuration()),
        body.limit("rpm_limit", base.rpmLimit()), body.limit("tpm_limit", base.tpmLimit()),
        body.limit("max_parallel_requests", base.maxParallelRequests()), body.flag("blocked", base.blocked()),
        body.metadata("metadata", base.metadataJson()), base.members(), base.createdAt(), now);
  }

  private static void checkAlias(Tables tables, Team team, Optional<Team> old)
      throws ManagementException, SQLException {
    if (team.alias().isPresent() && !team.alias().equals(old.flatMap(Team::alias))
        && tables.teams().byAlias(team.alias().get()).isPresent()) {
      throw ManagementException.badRequest("team_alias", "a team with this team_alias exists already");
    }
  }

  static Team find(Tables tables, String teamId) throws ManagementException, SQLException {
    return tables.teams().byId(teamId).orElseThrow(() -> ManagementException.notFound("team_id", "team_not_found",
        "no team with this team_id"));
  }

  private void log(String event, Team team) {
    LOG.atInfo().addKeyValue("team", team.teamId()).addKeyValue("actor", actor).addKeyValue("blocked", team.blocked())
        .addKeyValue("models", team.models().size()).addKeyValue("members", team.members().size()).log(event);
  }
}
