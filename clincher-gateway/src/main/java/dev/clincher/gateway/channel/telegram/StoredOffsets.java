package dev.clincher.gateway.channel.telegram;

import dev.clincher.gateway.store.ChannelStore;

/** A bot's poll offset in the gateway's database, so that a restart neither loses nor re-answers an update. */
public record StoredOffsets(ChannelStore store, String bot) implements OffsetStore {
  /** The offsets of the bot with this token, keyed by its public id ({@code telegram:123456}). */
  public static StoredOffsets of(ChannelStore store, BotToken token) {
    return new StoredOffsets(store, TelegramInbound.CHANNEL + ":" + token.botId());
  }

  @Override
  public long load() {
    return store.offset(bot);
  }

  @Override
  public void save(long nextOffset) {
    store.saveOffset(bot, nextOffset);
  }
}
