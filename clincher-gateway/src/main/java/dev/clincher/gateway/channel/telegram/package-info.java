/**
 * The Telegram Bot API channel. {@link dev.clincher.gateway.channel.telegram.TelegramChannel} assembles and starts
 * one bot from the pieces below; on the wire: {@link dev.clincher.gateway.channel.telegram.BotApi} (through the
 * egress, token redacted everywhere), updates by {@link dev.clincher.gateway.channel.telegram.LongPoller} or
 * {@link dev.clincher.gateway.channel.telegram.WebhookHandler}, access decisions in
 * {@link dev.clincher.gateway.channel.telegram.TelegramInbound}, and replies by
 * {@link dev.clincher.gateway.channel.telegram.ReplyStreamer} (edited in place at a bounded rate, split at 4,096
 * characters, Markdown rendered by {@link dev.clincher.gateway.channel.telegram.TelegramHtml}).
 */
package dev.clincher.gateway.channel.telegram;
