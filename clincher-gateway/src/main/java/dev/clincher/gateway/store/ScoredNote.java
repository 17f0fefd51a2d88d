package dev.clincher.gateway.store;

/**
 * A note found by a similarity search.
 *
 * @param note the note
 * @param score the cosine similarity between the query and the note, in [-1, 1]
 */
public record ScoredNote(NoteRecord note, float score) {}
