package dev.clincher.router.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.keys.VirtualKey;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;

/**
 * LiteLLM's management API over the key database, the same for the router's routes and the {@code clincher keys},
 * {@code teams} and {@code users} commands: one JSON request in, one JSON answer out, every refusal a
 * {@link ManagementException} naming the field, every write one transaction and one log line (with who made it:
 * {@code actor}).
 */
public final class Management {
  /** The routes, each with its HTTP method. */
  public enum Route {
    KEY_GENERATE("/key/generate", "POST"),
    KEY_INFO("/key/info", "GET"),
    KEY_LIST("/key/list", "GET"),
    KEY_UPDATE("/key/update", "POST"),
    KEY_REGENERATE("/key/regenerate", "POST"),
    KEY_BLOCK("/key/block", "POST"),
    KEY_UNBLOCK("/key/unblock", "POST"),
    KEY_DELETE("/key/delete", "POST"),
    TEAM_NEW("/team/new", "POST"),
    TEAM_INFO("/team/info", "GET"),
    TEAM_LIST("/team/list", "GET"),
    TEAM_UPDATE("/team/update", "POST"),
    TEAM_DELETE("/team/delete", "POST"),
    TEAM_MEMBER_ADD("/team/member_add", "POST"),
    TEAM_MEMBER_DELETE("/team/member_delete", "POST"),
    TEAM_BLOCK("/team/block", "POST"),
    TEAM_UNBLOCK("/team/unblock", "POST"),
    USER_NEW("/user/new", "POST"),
    USER_INFO("/user/info", "GET"),
    USER_LIST("/user/list", "GET"),
    USER_UPDATE("/user/update", "POST"),
    USER_DELETE("/user/delete", "POST");

    private final String path;
    private final String method;

    Route(String path, String method) {
      this.path = path;
      this.method = method;
    }

    public String path() {
      return path;
    }

    public String method() {
      return method;
    }

    /** The route at {@code path}, if any. */
    public static Optional<Route> of(String path) {
      return Arrays.stream(values()).filter(route -> route.path.equals(path)).findFirst();
    }
  }

  private final KeyAdmin keys;
  private final TeamAdmin teams;
  private final UserAdmin users;

  /**
   * @param spend where spend figures come from ({@link SpendView#UNKNOWN} when not known)
   * @param actor who makes the changes, for the log lines ({@code master}, {@code cli})
   */
  public Management(KeyStore store, SpendView spend, Clock clock, ObjectMapper json, String actor) {
    Shapes shapes = new Shapes(json, spend, clock);
    this.keys = new KeyAdmin(store, shapes, clock, actor);
    this.teams = new TeamAdmin(store, shapes, clock, actor);
    this.users = new UserAdmin(store, shapes, clock, actor, keys);
  }

  /** Serves {@code route} with {@code input} (the JSON body, or a GET route's query parameters as text fields). */
  public JsonNode handle(Route route, JsonNode input) throws ManagementException, SQLException {
    return switch (route) {
      case KEY_GENERATE -> keys.generate(input);
      case KEY_INFO -> keys.info(input);
      case KEY_LIST -> keys.list(input);
      case KEY_UPDATE -> keys.update(input);
      case KEY_REGENERATE -> keys.regenerate(input);
      case KEY_BLOCK -> keys.block(input, true);
      case KEY_UNBLOCK -> keys.block(input, false);
      case KEY_DELETE -> keys.delete(input);
      case TEAM_NEW -> teams.create(input);
      case TEAM_INFO -> teams.info(input);
      case TEAM_LIST -> teams.list(input);
      case TEAM_UPDATE -> teams.update(input);
      case TEAM_DELETE -> teams.delete(input);
      case TEAM_MEMBER_ADD -> teams.addMembers(input);
      case TEAM_MEMBER_DELETE -> teams.deleteMember(input);
      case TEAM_BLOCK -> teams.block(input, true);
      case TEAM_UNBLOCK -> teams.block(input, false);
      case USER_NEW -> users.create(input);
      case USER_INFO -> users.info(input);
      case USER_LIST -> users.list(input);
      case USER_UPDATE -> users.update(input);
      case USER_DELETE -> users.delete(input);
    };
  }

  /** {@code /key/info} of a virtual key about itself. */
  public ObjectNode ownKeyInfo(VirtualKey key) {
    return keys.own(key);
  }
}
