package dev.clincher.gateway.channel;

import java.util.Objects;

/**
 * Where a message came from and where its replies go: one chat on one channel, and for a group the member who spoke
 * (each member of a group gets a session of their own, so one member cannot read another's run).
 *
 * @param channel the channel's name, e.g. {@code telegram}
 * @param chatId the platform's chat id
 * @param kind direct or group
 * @param senderId the platform's id of the person who wrote
 */
public record Conversation(String channel, String chatId, ChatKind kind, String senderId) {
  public Conversation {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(chatId, "chatId");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(senderId, "senderId");
  }

  /** The session this conversation maps to: one per direct chat, one per member in a group. */
  public String sessionKey() {
    return switch (kind) {
      case DIRECT -> channel + ":dm:" + chatId;
      case GROUP -> channel + ":group:" + chatId + ":user:" + senderId;
    };
  }
}
