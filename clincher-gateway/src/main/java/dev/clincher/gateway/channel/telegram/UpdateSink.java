package dev.clincher.gateway.channel.telegram;

/**
 * Where received updates go, from the poller or the webhook. {@link #accept} returns once the update is handed off
 * (its message delivered to the handler or refused); only then is the update acknowledged to Telegram.
 */
@FunctionalInterface
public interface UpdateSink {
  void accept(Update update);
}
