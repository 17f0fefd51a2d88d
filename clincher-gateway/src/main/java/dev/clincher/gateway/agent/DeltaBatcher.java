package dev.clincher.gateway.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.events.EventSink;
import dev.clincher.gateway.events.EventTypes;

/**
 * Turns the model's text deltas into {@code assistant_delta} events, joining deltas that arrive in quick
 * succession: each event costs a durable transcript write, so a fast stream is written every
 * {@link #FLUSH_NANOS} or {@link #FLUSH_CHARS}, while a slow stream still goes out token by token.
 * {@link #close()} writes what is left, to be committed with the {@code assistant_message} that follows.
 */
final class DeltaBatcher implements AutoCloseable {
  static final long FLUSH_NANOS = 25_000_000L;
  static final int FLUSH_CHARS = 1024;

  private final EventSink sink;
  private final ObjectMapper json;
  private final StringBuilder pending = new StringBuilder();
  private long lastFlush = System.nanoTime();

  DeltaBatcher(EventSink sink, ObjectMapper json) {
    this.sink = sink;
    this.json = json;
  }

  void add(String text) {
    pending.append(text);
    if (pending.length() >= FLUSH_CHARS || System.nanoTime() - lastFlush >= FLUSH_NANOS) {
      flush(false);
    }
  }

  private void flush(boolean last) {
    if (!pending.isEmpty()) {
      ObjectNode data = json.createObjectNode();
      data.put("text", pending.toString());
      if (last) {
        sink.emitWithNext(EventTypes.ASSISTANT_DELTA, data); // the assistant_message follows at once
      } else {
        sink.emit(EventTypes.ASSISTANT_DELTA, data);
      }
      pending.setLength(0);
    }
    lastFlush = System.nanoTime();
  }

  @Override
  public void close() {
    flush(true);
  }
}
