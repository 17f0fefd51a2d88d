package dev.clincher.gateway.store;

import java.time.Instant;

/**
 * One run of the agent loop inside a session.
 *
 * @param id random, unguessable id (128 bits)
 * @param sessionId the session it belongs to
 * @param status its state
 * @param reason why it ended (may be null)
 * @param startedAt when it started
 * @param finishedAt when it ended; null while {@link RunStatus#RUNNING}
 */
public record RunRecord(
    String id, String sessionId, RunStatus status, String reason, Instant startedAt, Instant finishedAt) {}
