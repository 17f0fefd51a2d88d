package dev.clincher.app.manage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.router.manage.Management.Route;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code clincher keys}: the router's virtual keys, straight in its database (docs/router.md). */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = {"Manage the router's virtual keys in its database (LiteLLM's /key/* requests; no router needs to "
        + "run, a running one sees a change within 1 s). Answers are JSON; a new key is shown once.",
        "A key is named by its token (keys list shows it) or read with --key-file; never give a key as an argument."},
    subcommands = {KeysCommand.Generate.class, KeysCommand.ListKeys.class, KeysCommand.Info.class,
        KeysCommand.Update.class, KeysCommand.Block.class, KeysCommand.Unblock.class, KeysCommand.Delete.class,
        KeysCommand.Regenerate.class})
public final class KeysCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A key's own settings, besides limits and budget. */
  static final class KeySettings {
    @Mixin
    Settings.Limits limits;

    @Option(names = "--key-alias", paramLabel = "NAME", description = "A unique name for the key.")
    String keyAlias;

    @Option(names = "--team-id", paramLabel = "TEAM", description = "The team it belongs to (calls only its models).")
    String teamId;

    @Option(names = "--user-id", paramLabel = "USER", description = "The internal user it belongs to.")
    String userId;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Valid for this long from now, e.g. 30d.")
    String duration;

    @Option(names = "--expires", paramLabel = "TIME", description = "Valid until this UTC time (ISO-8601).")
    String expires;

    ObjectNode input() throws ManagementRequest.BadArguments {
      ObjectNode input = ManagementRequest.JSON.createObjectNode();
      limits.into(input);
      Settings.text(input, "key_alias", keyAlias);
      Settings.text(input, "team_id", teamId);
      Settings.text(input, "user_id", userId);
      Settings.text(input, "duration", duration);
      Settings.text(input, "expires", expires);
      return input;
    }
  }

  @Command(name = "generate", mixinStandardHelpOptions = true, description = "Make a key; it is printed once.")
  static final class Generate extends ManagementRequest {
    @Mixin
    KeySettings settings;

    @Option(names = "--blocked", description = "Make it blocked (unblock it later).")
    boolean blocked;

    @Override
    Route route() {
      return Route.KEY_GENERATE;
    }

    @Override
    ObjectNode input() throws BadArguments {
      ObjectNode input = settings.input();
      if (blocked) {
        input.put("blocked", true);
      }
      return input;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (their tokens, or --full).")
  static final class ListKeys extends ManagementRequest {
    @Option(names = "--page", defaultValue = "1", description = "Page (default: ${DEFAULT-VALUE}).")
    int page;

    @Option(names = "--size", defaultValue = "100", description = "Keys a page, at most 100 (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--team-id", paramLabel = "TEAM", description = "Only the keys of this team.")
    String teamId;

    @Option(names = "--user-id", paramLabel = "USER", description = "Only the keys of this user.")
    String userId;

    @Option(names = "--full", description = "Every key's settings, not only its token.")
    boolean full;

    @Override
    Route route() {
      return Route.KEY_LIST;
    }

    @Override
    ObjectNode input() {
      ObjectNode input = JSON.createObjectNode().put("page", String.valueOf(page)).put("size", String.valueOf(size));
      Settings.text(input, "team_id", teamId);
      Settings.text(input, "user_id", userId);
      if (full) {
        input.put("return_full_object", "true");
      }
      return input;
    }
  }

  /** A request about one key, named by {@link KeyReference}. */
  abstract static class OneKey extends ManagementRequest {
    @Mixin
    KeyReference key;

    @Override
    ObjectNode input() throws BadArguments {
      return JSON.createObjectNode().put("key", key.resolve());
    }
  }

  @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a key's settings.")
  static final class Info extends OneKey {
    @Override
    Route route() {
      return Route.KEY_INFO;
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Change a key's settings: only the options given.")
  static final class Update extends OneKey {
    @Mixin
    KeySettings settings;

    @Override
    Route route() {
      return Route.KEY_UPDATE;
    }

    @Override
    ObjectNode input() throws BadArguments {
      return settings.input().put("key", key.resolve());
    }
  }

  @Command(name = "block", mixinStandardHelpOptions = true, description = "Refuse the key until it is unblocked.")
  static final class Block extends OneKey {
    @Override
    Route route() {
      return Route.KEY_BLOCK;
    }
  }

  @Command(name = "unblock", mixinStandardHelpOptions = true, description = "Let a blocked key work again.")
  static final class Unblock extends OneKey {
    @Override
    Route route() {
      return Route.KEY_UNBLOCK;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete the key.")
  static final class Delete extends OneKey {
    @Override
    Route route() {
      return Route.KEY_DELETE;
    }

    @Override
    ObjectNode input() throws BadArguments {
      ObjectNode input = JSON.createObjectNode();
      input.putArray("keys").add(key.resolve());
      return input;
    }
  }

  @Command(name = "regenerate", mixinStandardHelpOptions = true,
      description = "Give the key a new secret (printed once); the old one stops working.")
  static final class Regenerate extends OneKey {
    @Override
    Route route() {
      return Route.KEY_REGENERATE;
    }
  }
}
