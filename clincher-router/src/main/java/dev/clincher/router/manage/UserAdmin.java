package dev.clincher.router.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.keys.InternalUser;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.keys.Tables;
import dev.clincher.router.keys.Team;
import dev.clincher.router.keys.VirtualKey;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LiteLLM's {@code /user/*} routes for internal users: new (with a key, unless {@code auto_create_key: false}), info,
 * list, update, delete. Deleting a user deletes its keys and memberships (as LiteLLM does).
 */
final class UserAdmin {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.router");
  static final Set<String> SETTINGS = Set.of("user_email", "user_role", "max_budget", "budget_duration", "models",
      "metadata");
  private static final Set<String> NEW = KeyAdmin.with(SETTINGS, "user_id", "teams", "auto_create_key", "key_alias");
  private static final Set<String> UPDATE = KeyAdmin.with(SETTINGS, "user_id");
  private static final int MAX_PAGE_SIZE = 100;

  private final KeyStore store;
  private final Shapes shapes;
  private final Clock clock;
  private final String actor;
  private final KeyAdmin keys;

  UserAdmin(KeyStore store, Shapes shapes, Clock clock, String actor, KeyAdmin keys) {
    this.store = store;
    this.shapes = shapes;
    this.clock = clock;
    this.actor = actor;
    this.keys = keys;
  }

  /** LiteLLM's {@code /user/new}: the user, in its teams, and (by default) a key of its own, shown once. */
  ObjectNode create(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, NEW);
    String userId = body.text("user_id").orElseGet(() -> UUID.randomUUID().toString());
    List<String> teams = List.copyOf(new LinkedHashSet<>(body.strings("teams", List.of())));
    boolean withKey = body.flag("auto_create_key", true);
    Optional<String> keyAlias = body.text("key_alias");
    if (keyAlias.isPresent() && !withKey) {
      throw ManagementException.badRequest("key_alias", "'key_alias' names the key that auto_create_key makes");
    }
    Instant now = clock.instant();
    record Created(InternalUser user, Optional<KeyAdmin.Issued> key) {}
    Created created = store.write(tables -> {
      if (tables.users().byId(userId).isPresent()) {
        throw ManagementException.badRequest("user_id", "a user with this user_id exists already");
      }
      InternalUser user = settings(body, blank(userId, Optional.empty(), now), now);
      checkEmail(tables, user, Optional.empty());
      tables.users().insert(user);
      for (String teamId : teams) {
        if (tables.teams().byId(teamId).isEmpty()) {
          throw ManagementException.badRequest("teams", "no team with team_id " + Body.printable(teamId));
        }
        tables.teams().addMember(teamId, userId, "user");
      }
      Optional<KeyAdmin.Issued> key = withKey
          ? Optional.of(keys.issue(tables, Body.of(Body.empty(), KeyAdmin.SETTINGS), Optional.of(userId), keyAlias))
          : Optional.empty();
      return new Created(tables.users().byId(userId).orElseThrow(), key);
    });
    log("router.user.created", created.user());
    created.key().ifPresent(issued -> LOG.atInfo().addKeyValue("key", issued.key().logName())
        .addKeyValue("actor", actor).addKeyValue("user", userId).log("router.key.generated"));
    ObjectNode answer = shapes.user(created.user());
    created.key().ifPresent(issued -> {
      answer.put("key", issued.secret()).put("token", issued.key().tokenHash()).put("key_name", issued.key().keyName())
          .put("key_alias", issued.key().alias().orElse(null));
    });
    return answer;
  }

  /** LiteLLM's {@code /user/info}: the user, its keys and its teams. */
  ObjectNode info(JsonNode input) throws ManagementException, SQLException {
    String userId = Body.of(input, Set.of("user_id")).required("user_id");
    record Found(InternalUser user, List<VirtualKey> keys, List<Team> teams) {}
    Found found = store.read(tables -> {
      InternalUser user = find(tables, userId);
      List<Team> teams = new ArrayList<>();
      for (String teamId : user.teams()) {
        tables.teams().byId(teamId).ifPresent(teams::add);
      }
      return new Found(user, tables.keys().ofUser(userId), teams);
    });
    ObjectNode answer = shapes.object();
    answer.put("user_id", userId);
    answer.set("user_info", shapes.user(found.user()));
    answer.set("keys", shapes.keys(found.keys()));
    ArrayNode teams = answer.putArray("teams");
    found.teams().forEach(team -> teams.add(shapes.team(team)));
    return answer;
  }

  /** LiteLLM's {@code /user/list}: {@code ?page=1&page_size=25}. */
  ObjectNode list(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, Set.of("page", "page_size"));
    int page = body.page("page", 1, Integer.MAX_VALUE / MAX_PAGE_SIZE);
    int size = body.page("page_size", 25, MAX_PAGE_SIZE);
    record Page(long total, List<InternalUser> users) {}
    Page found = store.read(tables -> new Page(tables.users().count(), tables.users().list((page - 1) * size, size)));
    ObjectNode answer = shapes.object();
    ArrayNode users = answer.putArray("users");
    found.users().forEach(user -> users.add(shapes.user(user)));
    answer.put("total", found.total()).put("page", page).put("page_size", size)
        .put("total_pages", (found.total() + size - 1) / size);
    return answer;
  }

  /**
   * A partial update of the user named by {@code user_id}, else by {@code user_email} (LiteLLM's rule; with
   * {@code user_id} given, {@code user_email} is the new e-mail).
   */
  ObjectNode update(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, UPDATE);
    Optional<String> userId = body.text("user_id");
    Optional<String> email = body.text("user_email");
    if (userId.isEmpty() && email.isEmpty()) {
      throw ManagementException.badRequest("user_id", "'user_id' or 'user_email' is required");
    }
    InternalUser updated = store.write(tables -> {
      InternalUser old = userId.isPresent() ? find(tables, userId.get()) : tables.users().byEmail(email.get())
          .orElseThrow(() -> ManagementException.notFound("user_email", "user_not_found", "no user with this e-mail"));
      InternalUser user = settings(body, old, clock.instant());
      checkEmail(tables, user, Optional.of(old));
      tables.users().update(user);
      return user;
    });
    log("router.user.updated", updated);
    ObjectNode answer = shapes.object();
    answer.put("user_id", updated.userId());
    answer.set("data", shapes.user(updated));
    return answer;
  }

  /** Deletes the users named, their keys and memberships, all or none: an unknown id refuses the whole request. */
  ObjectNode delete(JsonNode input) throws ManagementException, SQLException {
    Body body = Body.of(input, Set.of("user_ids"));
    List<String> userIds = List.copyOf(new LinkedHashSet<>(body.strings("user_ids", List.of())));
    if (userIds.isEmpty()) {
      throw ManagementException.badRequest("user_ids", "'user_ids' (a list of user ids) is required");
    }
    int deletedKeys = store.write(tables -> {
      for (String userId : userIds) {
        find(tables, userId);
      }
      int count = 0;
      for (String userId : userIds) {
        count += tables.keys().delete(tables.keys().ofUser(userId).stream().map(VirtualKey::tokenHash).toList())
            .size();
        tables.users().delete(userId);
      }
      return count;
    });
    userIds.forEach(userId -> LOG.atInfo().addKeyValue("user", userId).addKeyValue("actor", actor)
        .addKeyValue("keys_deleted", deletedKeys).log("router.user.deleted"));
    ObjectNode answer = shapes.object();
    ArrayNode list = answer.putArray("deleted_users");
    userIds.forEach(list::add);
    return answer;
  }

  /** A user made for {@code /team/member_add} when the member named does not exist yet. */
  static InternalUser createMember(Tables tables, Optional<String> userId, Optional<String> email, Instant now,
      String field) throws ManagementException, SQLException {
    if (email.isPresent() && tables.users().byEmail(email.get()).isPresent()) {
      throw ManagementException.badRequest(field, "another user has this user_email");
    }
    InternalUser user = blank(userId.orElseGet(() -> UUID.randomUUID().toString()), email, now);
    tables.users().insert(user);
    return user;
  }

  private static InternalUser blank(String userId, Optional<String> email, Instant now) {
    return new InternalUser(userId, email, InternalUser.DEFAULT_ROLE, OptionalDouble.empty(), Optional.empty(),
        List.of(), "{}", List.of(), now, now);
  }

  /** The settings of {@code body} over those of {@code base}; updated now. */
  private static InternalUser settings(Body body, InternalUser base, Instant now) throws ManagementException {
    String role = body.text("user_role").orElse(base.role());
    if (!InternalUser.ROLES.contains(role)) {
      throw ManagementException.badRequest("user_role", "'user_role' must be one of " + InternalUser.ROLES);
    }
    return new InternalUser(base.userId(), body.text("user_email", base.email()), role,
        body.money("max_budget", base.maxBudget()), body.period("budget_duration", base.budgetDuration()),
        body.strings("models", base.models()), body.metadata("metadata", base.metadataJson()), base.teams(),
        base.createdAt(), now);
  }

  private static void checkEmail(Tables tables, InternalUser user, Optional<InternalUser> old)
      throws ManagementException, SQLException {
    if (user.email().isPresent() && !user.email().equals(old.flatMap(InternalUser::email))
        && tables.users().byEmail(user.email().get()).isPresent()) {
      throw ManagementException.badRequest("user_email", "another user has this user_email");
    }
  }

  static InternalUser find(Tables tables, String userId) throws ManagementException, SQLException {
    return tables.users().byId(userId).orElseThrow(() -> ManagementException.notFound("user_id", "user_not_found",
        "no user with this user_id"));
  }

  private void log(String event, InternalUser user) {
    LOG.atInfo().addKeyValue("user", user.userId()).addKeyValue("actor", actor).addKeyValue("role", user.role())
        .addKeyValue("teams", user.teams().size()).log(event);
  }
}
