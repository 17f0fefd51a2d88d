package dev.clincher.gateway.channel;

import java.util.Locale;
import java.util.Optional;

/**
 * The commands a person may type in a chat instead of a message to the agent: {@code /new} (a fresh session),
 * {@code /abort} (stop the run in progress), {@code /status} (what the session is doing).
 */
public enum ChannelCommand {
  NEW,
  ABORT,
  STATUS;

  /**
   * The command a message is, if it is one: {@code /new}, or {@code /new@bot} (the form used in groups) when
   * {@code bot} is this bot's username; nothing but whitespace may follow. Anything else is a message to the agent.
   */
  public static Optional<ChannelCommand> parse(String text, String botUsername) {
    String command = text.strip().toLowerCase(Locale.ROOT);
    if (!command.startsWith("/")) {
      return Optional.empty();
    }
    int at = command.indexOf('@');
    if (at >= 0) {
      if (!command.substring(at + 1).equals(botUsername.toLowerCase(Locale.ROOT))) {
        return Optional.empty();
      }
      command = command.substring(0, at);
    }
    return switch (command) {
      case "/new" -> Optional.of(NEW);
      case "/abort" -> Optional.of(ABORT);
      case "/status" -> Optional.of(STATUS);
      default -> Optional.empty();
    };
  }
}
