/**
 * Channels: where people talk to an agent besides the web chat (Telegram first). A channel turns what its platform
 * delivers into an {@link dev.clincher.gateway.channel.InboundMessage} for an {@link
 * dev.clincher.gateway.channel.InboundHandler}, and carries the run's answer back through a {@link
 * dev.clincher.gateway.channel.ReplyPort}. The agent loop knows no channel; the wiring between a handler and the
 * sessions is one small adapter.
 */
package dev.clincher.gateway.channel;
