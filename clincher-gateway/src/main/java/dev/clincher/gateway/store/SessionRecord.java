package dev.clincher.gateway.store;

import java.time.Instant;

/**
 * A conversation of one agent.
 *
 * @param id random, unguessable id (128 bits)
 * @param agent the agent the session belongs to
 * @param title a short human title
 * @param createdAt when it was created
 * @param lastSeq the sequence number of its last event, 0 when it has none
 */
public record SessionRecord(String id, String agent, String title, Instant createdAt, long lastSeq) {}
