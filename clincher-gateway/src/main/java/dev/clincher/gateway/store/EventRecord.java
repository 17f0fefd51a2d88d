package dev.clincher.gateway.store;

import java.time.Instant;

/**
 * One entry of a session's append-only transcript.
 *
 * @param sessionId the session
 * @param seq its position, strictly increasing and gap-free per session, starting at 1
 * @param runId the run that wrote it, or null for events outside a run
 * @param type what it is, e.g. {@code user_message}, {@code tool_call}, {@code run_interrupted}
 * @param payload the JSON text as appended
 * @param createdAt when it was appended
 */
public record EventRecord(String sessionId, long seq, String runId, String type, String payload, Instant createdAt) {}
