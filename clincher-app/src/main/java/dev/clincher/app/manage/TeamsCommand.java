package dev.clincher.app.manage;

import com.fasterxml.jackson.databind.node.ArrayNode;
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

/** {@code clincher teams}: the router's teams, straight in its database (docs/router.md). */
@Command(name = "teams", mixinStandardHelpOptions = true,
    description = "Manage the router's teams in its database (LiteLLM's /team/* requests; no router needs to run, a "
        + "running one sees a change within 1 s). Answers are JSON.",
    subcommands = {TeamsCommand.New.class, TeamsCommand.ListTeams.class, TeamsCommand.Info.class,
        TeamsCommand.Update.class, TeamsCommand.Delete.class, TeamsCommand.Block.class, TeamsCommand.Unblock.class,
        TeamsCommand.MemberAdd.class, TeamsCommand.MemberDelete.class})
public final class TeamsCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A team's settings. */
  static final class TeamSettings {
    @Mixin
    Settings.Limits limits;

    @Option(names = "--team-alias", paramLabel = "NAME", description = "A unique name for the team.")
    String teamAlias;

    ObjectNode input() throws ManagementRequest.BadArguments {
      ObjectNode input = ManagementRequest.JSON.createObjectNode();
      limits.into(input);
      Settings.text(input, "team_alias", teamAlias);
      return input;
    }
  }

  @Command(name = "new", mixinStandardHelpOptions = true, description = "Make a team.")
  static final class New extends ManagementRequest {
    @Mixin
    TeamSettings settings;

    @Option(names = "--team-id", paramLabel = "TEAM", description = "Its id (default: a random UUID).")
    String teamId;

    @Option(names = "--member", paramLabel = "USER[:ROLE]",
        description = "A member by user id, role admin or user (default user); users not known yet are made.")
    List<String> members = new ArrayList<>();

    @Override
    Route route() {
      return Route.TEAM_NEW;
    }

    @Override
    ObjectNode input() throws BadArguments {
      ObjectNode input = settings.input();
      Settings.text(input, "team_id", teamId);
      if (!members.isEmpty()) {
        ArrayNode list = input.putArray("members_with_roles");
        for (String member : members) {
          int colon = member.lastIndexOf(':');
          list.addObject().put("user_id", colon < 0 ? member : member.substring(0, colon))
              .put("role", colon < 0 ? "user" : member.substring(colon + 1));
        }
      }
      return input;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List teams with their keys and members.")
  static final class ListTeams extends ManagementRequest {
    @Option(names = "--user-id", paramLabel = "USER", description = "Only the teams this user is a member of.")
    String userId;

    @Override
    Route route() {
      return Route.TEAM_LIST;
    }

    @Override
    ObjectNode input() {
      ObjectNode input = JSON.createObjectNode();
      Settings.text(input, "user_id", userId);
      return input;
    }
  }

  /** A request about one team. */
  abstract static class OneTeam extends ManagementRequest {
    @Parameters(index = "0", paramLabel = "TEAM", description = "The team's id.")
    String teamId;

    @Override
    ObjectNode input() throws BadArguments {
      return JSON.createObjectNode().put("team_id", teamId);
    }
  }

  @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a team, its keys and members.")
  static final class Info extends OneTeam {
    @Override
    Route route() {
      return Route.TEAM_INFO;
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Change a team's settings: only the options given.")
  static final class Update extends OneTeam {
    @Mixin
    TeamSettings settings;

    @Override
    Route route() {
      return Route.TEAM_UPDATE;
    }

    @Override
    ObjectNode input() throws BadArguments {
      return settings.input().put("team_id", teamId);
    }
  }

  @Command(name = "block", mixinStandardHelpOptions = true, description = "Refuse every key of the team.")
  static final class Block extends OneTeam {
    @Override
    Route route() {
      return Route.TEAM_BLOCK;
    }
  }

  @Command(name = "unblock", mixinStandardHelpOptions = true, description = "Let the team's keys work again.")
  static final class Unblock extends OneTeam {
    @Override
    Route route() {
      return Route.TEAM_UNBLOCK;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete teams and their keys (all or none: an unknown team deletes nothing).")
  static final class Delete extends ManagementRequest {
    @Parameters(arity = "1..*", paramLabel = "TEAM", description = "The teams' ids.")
    List<String> teamIds;

    @Override
    Route route() {
      return Route.TEAM_DELETE;
    }

    @Override
    ObjectNode input() {
      ObjectNode input = JSON.createObjectNode();
      teamIds.forEach(input.putArray("team_ids")::add);
      return input;
    }
  }

  /** A member named by id or e-mail. */
  static final class Member {
    @Option(names = "--user-id", paramLabel = "USER", description = "The member's user id.")
    String userId;

    @Option(names = "--user-email", paramLabel = "EMAIL", description = "The member's e-mail.")
    String userEmail;

    ObjectNode into(ObjectNode node) {
      Settings.text(node, "user_id", userId);
      Settings.text(node, "user_email", userEmail);
      return node;
    }
  }

  @Command(name = "member-add", mixinStandardHelpOptions = true,
      description = "Add a member (a user not known yet is made).")
  static final class MemberAdd extends OneTeam {
    @Mixin
    Member member;

    @Option(names = "--role", defaultValue = "user", description = "admin or user (default: ${DEFAULT-VALUE}).")
    String role;

    @Override
    Route route() {
      return Route.TEAM_MEMBER_ADD;
    }

    @Override
    ObjectNode input() throws BadArguments {
      ObjectNode input = super.input();
      input.set("member", member.into(JSON.createObjectNode().put("role", role)));
      return input;
    }
  }

  @Command(name = "member-delete", mixinStandardHelpOptions = true, description = "Remove a member from the team.")
  static final class MemberDelete extends OneTeam {
    @Mixin
    Member member;

    @Override
    Route route() {
      return Route.TEAM_MEMBER_DELETE;
    }

    @Override
    ObjectNode input() throws BadArguments {
      return member.into(super.input());
    }
  }
}
