package dev.clincher.gateway.store;

/**
 * The bounds the transcript store enforces.
 *
 * @param maxPayloadBytes largest event payload, in UTF-8 bytes
 * @param maxEventsPerSession events one session may hold
 * @param maxNotesPerAgent memory notes one agent may hold (the similarity search scans them all)
 * @param maxNoteChars longest memory note
 * @param maxPage most rows one listing returns
 */
public record StoreLimits(
    int maxPayloadBytes, long maxEventsPerSession, int maxNotesPerAgent, int maxNoteChars, int maxPage) {

  /** 1 MiB payloads, 1,000,000 events per session, 10,000 notes per agent of up to 4,000 chars, pages of 1,000. */
  public static final StoreLimits DEFAULTS = new StoreLimits(1 << 20, 1_000_000, 10_000, 4_000, 1_000);

  public StoreLimits {
    if (maxPayloadBytes < 1 || maxEventsPerSession < 1 || maxNotesPerAgent < 1 || maxNoteChars < 1 || maxPage < 1) {
      throw new IllegalArgumentException("store limits must be positive");
    }
  }
}
