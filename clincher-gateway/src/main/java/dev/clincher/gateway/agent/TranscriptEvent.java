package dev.clincher.gateway.agent;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One transcript event as the agent reads it back to build a model context.
 *
 * @param seq the event's sequence number in its session
 * @param type the event type ({@code user_message}, {@code assistant_message}, {@code tool_result}, …)
 * @param data the event's payload
 */
public record TranscriptEvent(long seq, String type, JsonNode data) {}
