package dev.clincher.gateway.channel.telegram;

import dev.clincher.gateway.channel.Conversation;
import dev.clincher.gateway.channel.ReplyPort;

/** Replies through one bot: a notice is a reply finished at once; a run's reply shows {@code typing} until done. */
public final class TelegramReplies implements ReplyPort {
  private final BotApi api;
  private final ReplySettings settings;

  public TelegramReplies(BotApi api, ReplySettings settings) {
    this.api = api;
    this.settings = settings;
  }

  @Override
  public void send(Conversation to, String text) {
    new ReplyStreamer(api, to.chatId(), settings, false).finish(text);
  }

  @Override
  public ReplyStreamer open(Conversation to) {
    return new ReplyStreamer(api, to.chatId(), settings, true);
  }
}
