package dev.clincher.app.manage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.manage.Management.Route;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clincher users}: the router's internal users, straight in its database (docs/router.md). */
@Command(name = "users", mixinStandardHelpOptions = true,
    description = "Manage the router's internal users in its database (LiteLLM's /user/* requests; no router needs to "
        + "run, a running one sees a change within 1 s). Answers are JSON; a new user's key is shown once.",
    subcommands = {UsersCommand.New.class, UsersCommand.ListUsers.class, UsersCommand.Info.class,
        UsersCommand.Update.class, UsersCommand.Delete.class})
public final class UsersCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A user's settings. */
  static final class UserSettings {
    @Mixin
    Settings.Budget budget;

    @Option(names = "--user-email", paramLabel = "EMAIL", description = "Its e-mail (unique).")
    String userEmail;

    @Option(names = "--user-role", paramLabel = "ROLE",
        description = "internal_user (default), internal_user_viewer, proxy_admin, proxy_admin_viewer (recorded only).")
    String userRole;

    ObjectNode input() throws ManagementRequest.BadArguments {
      ObjectNode input = ManagementRequest.JSON.createObjectNode();
      budget.into(input);
      Settings.text(input, "user_email", userEmail);
      Settings.text(input, "user_role", userRole);
      return input;
    }
  }

  @Command(name = "new", mixinStandardHelpOptions = true,
      description = "Make a user, with a key of its own (printed once) unless --no-key.")
  static final class New extends ManagementRequest {
    @Mixin
    UserSettings settings;

    @Option(names = "--user-id", paramLabel = "USER", description = "Its id (default: a random UUID).")
    String userId;

    @Option(names = "--team", paramLabel = "TEAM", description = "A team it joins (repeatable).")
    List<String> teams = new ArrayList<>();

    @Option(names = "--no-key", description = "Make no key for it.")
    boolean noKey;

    @Option(names = "--key-alias", paramLabel = "NAME", description = "A name for the key made for it.")
    String keyAlias;

    @Override
    Route route() {
      return Route.USER_NEW;
    }

    @Override
    ObjectNode input() throws BadArguments {
      ObjectNode input = settings.input();
      Settings.text(input, "user_id", userId);
      Settings.text(input, "key_alias", keyAlias);
      if (!teams.isEmpty()) {
        teams.forEach(input.putArray("teams")::add);
      }
      if (noKey) {
        input.put("auto_create_key", false);
      }
      return input;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List users.")
  static final class ListUsers extends ManagementRequest {
    @Option(names = "--page", defaultValue = "1", description = "Page (default: ${DEFAULT-VALUE}).")
    int page;

    @Option(names = "--page-size", defaultValue = "100",
        description = "Users a page, at most 100 (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Override
    Route route() {
      return Route.USER_LIST;
    }

    @Override
    ObjectNode input() {
      return JSON.createObjectNode().put("page", String.valueOf(page)).put("page_size", String.valueOf(pageSize));
    }
  }

  /** A request about one user. */
  abstract static class OneUser extends ManagementRequest {
    @Parameters(index = "0", paramLabel = "USER", description = "The user's id.")
    String userId;

    @Override
    ObjectNode input() throws BadArguments {
      return JSON.createObjectNode().put("user_id", userId);
    }
  }

  @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a user, its keys and teams.")
  static final class Info extends OneUser {
    @Override
    Route route() {
      return Route.USER_INFO;
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Change a user's settings: only the options given.")
  static final class Update extends OneUser {
    @Mixin
    UserSettings settings;

    @Override
    Route route() {
      return Route.USER_UPDATE;
    }

    @Override
    ObjectNode input() throws BadArguments {
      return settings.input().put("user_id", userId);
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete users, their keys and memberships (all or none).")
  static final class Delete extends ManagementRequest {
    @Parameters(arity = "1..*", paramLabel = "USER", description = "The users' ids.")
    List<String> userIds;

    @Override
    Route route() {
      return Route.USER_DELETE;
    }

    @Override
    ObjectNode input() {
      ObjectNode input = JSON.createObjectNode();
      userIds.forEach(input.putArray("user_ids")::add);
      return input;
    }
  }
}
