package dev.clincher.gateway.events;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a run's events go. {@link RunEvents}, the implementation, writes each event to the transcript and shows it to
 * listeners only once it is durable, so nothing a client saw can be missing after a crash. Emitting does not wait for
 * the disk: a run waits only at {@link #awaitDurable()}, before a side effect that must be on record first.
 */
@FunctionalInterface
public interface EventSink {

  /** Records one event, published as soon as it is durable (the caller does not wait); returns its sequence number. */
  long emit(String type, ObjectNode data);

  /** Like {@link #emit}, for an event that another follows at once: the two are made durable together. */
  default long emitWithNext(String type, ObjectNode data) {
    return emit(type, data);
  }

  /** Returns once every event emitted so far is durable (and published). */
  default void awaitDurable() {}
}
