package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.events.StreamedEvent;

/** The JSON shape of a streamed event, the same on SSE and WebSocket: seq, session, run_id, type, data. */
final class EventJson {
  private final ObjectMapper json;

  EventJson(ObjectMapper json) {
    this.json = json;
  }

  ObjectNode of(StreamedEvent event) {
    ObjectNode node = json.createObjectNode();
    node.put("seq", event.seq());
    node.put("session", event.sessionId());
    node.put("run_id", event.runId());
    node.put("type", event.type());
    node.set("data", event.data());
    return node;
  }
}
