package dev.clincher.gateway.channel.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One Bot API {@code Update}: its id and, when it carries one, a new message with text, or with a document or a
 * photo and its caption (every other kind of update is acknowledged and otherwise ignored).
 */
public record Update(long updateId, Optional<Message> message) {

  /**
   * A new text message.
   *
   * @param messageId the message's id in its chat
   * @param chatId the chat's id
   * @param chatType {@code private}, {@code group}, {@code supergroup} or {@code channel}
   * @param senderId the sender's user id
   * @param text the text
   * @param mentionedUsernames the {@code @username} mentions and the bots named by commands ({@code /new@bot}),
   *     lower case, without the {@code @}
   * @param mentionedUserIds the users mentioned by id (mentions of people without a username)
   * @param repliedToSenderId the sender of the message this one replies to, if any
   * @param attachment the document or photo sent with the message (the text is then its caption, maybe empty)
   */
  public record Message(long messageId, String chatId, String chatType, String senderId, String text,
      List<String> mentionedUsernames, List<String> mentionedUserIds, Optional<String> repliedToSenderId,
      Optional<Attachment> attachment) {

    public boolean isPrivate() {
      return chatType.equals("private");
    }

    /** The message mentions the bot or replies to one of its messages. */
    public boolean addresses(BotIdentity bot) {
      return mentionedUsernames.contains(bot.username()) || mentionedUserIds.contains(bot.userId())
          || repliedToSenderId.filter(bot.userId()::equals).isPresent();
    }
  }

  /**
   * A file sent with a message, as Telegram announces it (nothing downloaded yet).
   *
   * @param fileId what {@code getFile} takes
   * @param fileName the sender's name for it (untrusted); {@code photo.jpg} for a photo
   * @param declaredSize the {@code file_size} Telegram gave, -1 when it gave none
   */
  public record Attachment(String fileId, String fileName, long declaredSize) {}

  /** Reads an update from the Bot API's JSON; a message without text, document or photo, or without sender, is none. */
  public static Update parse(JsonNode update) {
    long id = update.path("update_id").asLong(-1);
    if (id < 0) {
      throw new IllegalArgumentException("an update without update_id");
    }
    JsonNode message = update.path("message");
    Optional<Attachment> attachment = attachment(message);
    if ((!message.path("text").isTextual() && attachment.isEmpty()) || !message.path("from").path("id").canConvertToLong()
        || !message.path("chat").path("id").canConvertToLong()) {
      return new Update(id, Optional.empty());
    }
    return new Update(id, Optional.of(parseMessage(message, attachment)));
  }

  /** The document, or the largest size of the photo (Telegram lists a photo's sizes smallest first). */
  private static Optional<Attachment> attachment(JsonNode message) {
    JsonNode document = message.path("document");
    if (document.path("file_id").isTextual()) {
      return Optional.of(new Attachment(document.get("file_id").asText(), document.path("file_name").asText("document"),
          document.path("file_size").asLong(-1)));
    }
    JsonNode photo = message.path("photo");
    if (photo.isArray() && !photo.isEmpty() && photo.get(photo.size() - 1).path("file_id").isTextual()) {
      JsonNode largest = photo.get(photo.size() - 1);
      return Optional.of(new Attachment(largest.get("file_id").asText(), "photo.jpg",
          largest.path("file_size").asLong(-1)));
    }
    return Optional.empty();
  }

  private static Message parseMessage(JsonNode message, Optional<Attachment> attachment) {
    String text = message.path("text").isTextual() ? message.get("text").asText()
        : message.path("caption").asText("");
    String entitiesKey = message.path("text").isTextual() ? "entities" : "caption_entities";
    List<String> usernames = new ArrayList<>();
    List<String> userIds = new ArrayList<>();
    for (JsonNode entity : message.path(entitiesKey)) {
      String type = entity.path("type").asText();
      if (type.equals("mention")) {
        mentionText(text, entity).ifPresent(name -> usernames.add(name.substring(1).toLowerCase(Locale.ROOT)));
      } else if (type.equals("bot_command")) {
        commandTarget(text, entity).ifPresent(name -> usernames.add(name.toLowerCase(Locale.ROOT)));
      } else if (type.equals("text_mention") && entity.path("user").path("id").canConvertToLong()) {
        userIds.add(entity.path("user").path("id").asText());
      }
    }
    JsonNode repliedTo = message.path("reply_to_message").path("from").path("id");
    return new Message(message.path("message_id").asLong(), message.path("chat").path("id").asText(),
        message.path("chat").path("type").asText("private"), message.path("from").path("id").asText(), text,
        List.copyOf(usernames), List.copyOf(userIds),
        repliedTo.canConvertToLong() ? Optional.of(repliedTo.asText()) : Optional.empty(), attachment);
  }

  /** The bot a command names ({@code /new@name}, the form Telegram uses in groups), if it names one. */
  private static Optional<String> commandTarget(String text, JsonNode entity) {
    int offset = entity.path("offset").asInt(-1);
    int length = entity.path("length").asInt(-1);
    if (offset < 0 || length < 2 || offset + length > text.length()) {
      return Optional.empty();
    }
    String command = text.substring(offset, offset + length);
    int at = command.indexOf('@');
    return at < 0 ? Optional.empty() : Optional.of(command.substring(at + 1));
  }

  /** The {@code @name} an entity covers (offsets count UTF-16 units, as Java strings do). */
  private static Optional<String> mentionText(String text, JsonNode entity) {
    int offset = entity.path("offset").asInt(-1);
    int length = entity.path("length").asInt(-1);
    if (offset < 0 || length < 2 || offset + length > text.length() || text.charAt(offset) != '@') {
      return Optional.empty();
    }
    return Optional.of(text.substring(offset, offset + length));
  }
}
