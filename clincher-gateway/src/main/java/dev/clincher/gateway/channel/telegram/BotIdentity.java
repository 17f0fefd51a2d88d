package dev.clincher.gateway.channel.telegram;

import java.util.Locale;

/**
 * Who the bot is (from {@code getMe}): what a group message must mention or reply to.
 *
 * @param userId the bot's user id
 * @param username the bot's username without the {@code @}
 */
public record BotIdentity(String userId, String username) {
  public BotIdentity {
    username = username.toLowerCase(Locale.ROOT);
  }
}
