package dev.clincher.gateway.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.events.EventSink;
import dev.clincher.gateway.events.EventTypes;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Turns the model's text deltas into {@code assistant_delta} events, joining deltas that arrive in quick
 * succession: each event costs a transcript write, so a fast stream is written at most every {@link #FLUSH_NANOS}
 * (or {@link #FLUSH_CHARS}), while a slow stream still goes out token by token. Text is never held longer than
 * {@link #FLUSH_NANOS}: the first text of a call goes out at once, and text held back while the model then pauses is
 * written by a timer, not left waiting for the model's next chunk (which may come much later, or never).
 * {@link #close()} writes what is left, to be committed with the {@code assistant_message} that follows.
 *
 * <p>The run's thread calls {@link #add} and {@link #close}; the timer's flush runs on the timer's thread, under the
 * same lock. A failure of the timer's write is thrown to the run's thread at its next call.
 */
final class DeltaBatcher implements AutoCloseable {
  static final long FLUSH_NANOS = 25_000_000L;
  static final int FLUSH_CHARS = 1024;

  private final EventSink sink;
  private final ObjectMapper json;
  private final ScheduledExecutorService timer;
  private final StringBuilder pending = new StringBuilder();
  private long lastFlush = System.nanoTime() - FLUSH_NANOS; // the first text goes out at once
  private ScheduledFuture<?> alarm;
  private RuntimeException timerFailure;
  private boolean closed;

  DeltaBatcher(EventSink sink, ObjectMapper json, ScheduledExecutorService timer) {
    this.sink = sink;
    this.json = json;
    this.timer = timer;
  }

  synchronized void add(String text) {
    throwTimerFailure();
    pending.append(text);
    long sinceFlush = System.nanoTime() - lastFlush;
    if (pending.length() >= FLUSH_CHARS || sinceFlush >= FLUSH_NANOS) {
      flush(false);
    } else if (alarm == null) {
      alarm = timer.schedule(this::flushHeld, FLUSH_NANOS - sinceFlush, TimeUnit.NANOSECONDS);
    }
  }

  /** The timer's flush: what was held back while the model paused. */
  private synchronized void flushHeld() {
    alarm = null;
    if (closed || pending.isEmpty() || timerFailure != null) {
      return;
    }
    try {
      flush(false);
    } catch (RuntimeException e) {
      timerFailure = e;
    }
  }

  private void flush(boolean last) {
    if (alarm != null) {
      alarm.cancel(false);
      alarm = null;
    }
    if (!pending.isEmpty()) {
      ObjectNode data = json.createObjectNode();
      data.put("text", pending.toString());
      pending.setLength(0);
      if (last) {
        sink.emitWithNext(EventTypes.ASSISTANT_DELTA, data); // the assistant_message follows at once
      } else {
        sink.emit(EventTypes.ASSISTANT_DELTA, data);
      }
    }
    lastFlush = System.nanoTime();
  }

  private void throwTimerFailure() {
    if (timerFailure != null) {
      throw timerFailure;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    throwTimerFailure();
    flush(true);
  }
}
