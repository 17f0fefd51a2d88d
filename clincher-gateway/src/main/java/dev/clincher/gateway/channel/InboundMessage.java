package dev.clincher.gateway.channel;

/**
 * One text message that passed the channel's access rules, ready to become session input.
 *
 * @param conversation where it came from and where the reply goes
 * @param messageId the platform's id of the message (for logs and replies)
 * @param text the text as the person wrote it (a bot mention included)
 */
public record InboundMessage(Conversation conversation, String messageId, String text) {}
