package dev.clincher.gateway.channel;

import dev.clincher.gateway.channel.telegram.TelegramConfig;

/** The gateway config's {@code channels} section: one subsection per channel, each off unless enabled. */
public record ChannelsConfig(TelegramConfig telegram) {
  public static final ChannelsConfig NONE = new ChannelsConfig(null);

  public ChannelsConfig {
    telegram = telegram == null ? TelegramConfig.DISABLED : telegram;
  }
}
