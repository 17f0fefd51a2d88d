package dev.clincher.gateway.channel;

import java.util.Objects;
import java.util.Optional;

/**
 * One text message that passed the channel's access rules, ready to become session input.
 *
 * @param conversation where it came from and where the reply goes
 * @param messageId the platform's id of the message (for logs and replies)
 * @param text the text as the person wrote it (a bot mention included)
 * @param command the command the text is ({@code /new}, {@code /abort}, {@code /status}), as the channel reads its
 *     platform's command syntax; empty: a message to the agent
 * @param file a file sent with the message (the text is then its caption, maybe empty)
 */
public record InboundMessage(Conversation conversation, String messageId, String text,
    Optional<ChannelCommand> command, Optional<InboundFile> file) {
  public InboundMessage {
    Objects.requireNonNull(conversation, "conversation");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(file, "file");
  }

  /** A text message, without a file. */
  public InboundMessage(Conversation conversation, String messageId, String text, Optional<ChannelCommand> command) {
    this(conversation, messageId, text, command, Optional.empty());
  }
}
