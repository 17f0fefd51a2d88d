package dev.clincher.gateway.channel.access;

import dev.clincher.gateway.channel.ChatKind;

/**
 * What the policy needs to know about one inbound message.
 *
 * @param kind direct or group chat
 * @param chatId the chat's id
 * @param senderId the sender's user id
 * @param addressedToBot in a group: the message mentions the bot or replies to one of its messages
 * @param senderPaired the sender has an approved pairing
 * @param unknownSenderWithinRate an unknown sender may still be answered (the rate limit has room)
 */
public record AccessRequest(ChatKind kind, String chatId, String senderId, boolean addressedToBot,
    boolean senderPaired, boolean unknownSenderWithinRate) {}
