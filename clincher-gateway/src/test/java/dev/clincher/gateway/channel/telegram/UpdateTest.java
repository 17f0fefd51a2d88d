package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UpdateTest {
  static final BotIdentity BOT = new BotIdentity("123", "Clincher_Bot");

  static Update.Message message(String json) throws Exception {
    return Update.parse(FakeBotApi.JSON.readTree(json)).message().orElseThrow();
  }

  static String group(String text, String entities) {
    return "{\"update_id\":5,\"message\":{\"message_id\":9,\"text\":\"" + text + "\",\"entities\":" + entities
        + ",\"from\":{\"id\":7},\"chat\":{\"id\":-100,\"type\":\"supergroup\"}}}";
  }

  @Test
  void mentionsCommandsAndRepliesAddressTheBot() throws Exception {
    assertThat(message(group("hi @clincher_bot", "[{\"type\":\"mention\",\"offset\":3,\"length\":13}]"))
        .addresses(BOT)).isTrue();
    assertThat(message(group("😀 @CLINCHER_BOT", "[{\"type\":\"mention\",\"offset\":3,\"length\":13}]"))
        .addresses(BOT)).as("offsets count UTF-16 units").isTrue();
    assertThat(message(group("/new@clincher_bot", "[{\"type\":\"bot_command\",\"offset\":0,\"length\":17}]"))
        .addresses(BOT)).isTrue();
    assertThat(message(group("hey you", "[{\"type\":\"text_mention\",\"offset\":4,\"length\":3,"
        + "\"user\":{\"id\":123}}]")).addresses(BOT)).isTrue();
    assertThat(message("{\"update_id\":5,\"message\":{\"message_id\":9,\"text\":\"and?\",\"from\":{\"id\":7},"
        + "\"chat\":{\"id\":-100,\"type\":\"group\"},\"reply_to_message\":{\"from\":{\"id\":123}}}}")
        .addresses(BOT)).isTrue();
  }

  @Test
  void otherMentionsAndBrokenEntitiesDoNot() throws Exception {
    assertThat(message(group("hi @other_bot", "[{\"type\":\"mention\",\"offset\":3,\"length\":10}]"))
        .addresses(BOT)).isFalse();
    assertThat(message(group("/new@other_bot", "[{\"type\":\"bot_command\",\"offset\":0,\"length\":14}]"))
        .addresses(BOT)).isFalse();
    assertThat(message(group("@clincher_bot", "[{\"type\":\"mention\",\"offset\":5,\"length\":99}]"))
        .addresses(BOT)).isFalse();
    assertThat(message(group("clincher_bot", "[]")).addresses(BOT)).isFalse();
  }

  @Test
  void updatesWithoutATextMessageCarryNone() throws Exception {
    assertThat(Update.parse(FakeBotApi.JSON.readTree("{\"update_id\":8,\"edited_message\":{}}")).message()).isEmpty();
    assertThat(Update.parse(FakeBotApi.JSON.readTree("{\"update_id\":8,\"message\":{\"photo\":[],"
        + "\"from\":{\"id\":1},\"chat\":{\"id\":1}}}")).message()).isEmpty();
  }

  @Test
  void aPhotoIsItsLargestSizeAndItsCaptionTheText() throws Exception {
    Update.Message photo = message("{\"update_id\":6,\"message\":{\"message_id\":3,\"caption\":\"@clincher_bot look\","
        + "\"caption_entities\":[{\"type\":\"mention\",\"offset\":0,\"length\":13}],\"photo\":["
        + "{\"file_id\":\"small\",\"file_size\":100},{\"file_id\":\"large\",\"file_size\":9000}],"
        + "\"from\":{\"id\":7},\"chat\":{\"id\":-100,\"type\":\"group\"}}}");
    assertThat(photo.text()).isEqualTo("@clincher_bot look");
    assertThat(photo.addresses(BOT)).as("a caption's mention addresses the bot").isTrue();
    assertThat(photo.attachment()).contains(new Update.Attachment("large", "photo.jpg", 9000));

    Update.Message document = message("{\"update_id\":7,\"message\":{\"message_id\":4,\"document\":"
        + "{\"file_id\":\"d1\"},\"from\":{\"id\":7},\"chat\":{\"id\":7,\"type\":\"private\"}}}");
    assertThat(document.text()).isEmpty();
    assertThat(document.attachment()).contains(new Update.Attachment("d1", "document", -1));
    assertThat(Update.parse(FakeBotApi.JSON.readTree("{\"update_id\":8,\"message\":{\"message_id\":5,"
        + "\"sticker\":{\"file_id\":\"s\"},\"from\":{\"id\":7},\"chat\":{\"id\":7}}}")).message())
        .as("a sticker is not taken").isEmpty();
  }
}
