package dev.clincher.gateway.store;

import java.time.Instant;

/**
 * A memory note an agent saved for itself (its vector is kept in the store, not here).
 *
 * @param id the note's number
 * @param agent the agent that owns it
 * @param text the note
 * @param createdAt when it was saved
 */
public record NoteRecord(long id, String agent, String text, Instant createdAt) {}
