package dev.clincher.gateway.events;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An event as clients receive it, after it was written to the transcript.
 *
 * @param seq its sequence number in the session (clients resume with {@code after=seq})
 * @param sessionId the session
 * @param runId the run that wrote it
 * @param type the event type
 * @param data the payload
 */
public record StreamedEvent(long seq, String sessionId, String runId, String type, JsonNode data) {}
