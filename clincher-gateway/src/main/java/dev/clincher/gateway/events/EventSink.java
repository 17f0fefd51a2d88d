package dev.clincher.gateway.events;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a run's events go. {@link RunEvents}, the implementation, writes each event to the transcript first and only
 * then shows it to listeners, so nothing a client saw can be missing after a crash.
 */
@FunctionalInterface
public interface EventSink {

  /** Records and publishes one event; returns its sequence number in the session. */
  long emit(String type, ObjectNode data);
}
