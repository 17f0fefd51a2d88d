/**
 * A run's events: their types, the sink the agent loop and tools write them to ({@link
 * dev.clincher.gateway.events.RunEvents}: committed to the transcript first, then offered to the subscribers), and a client's subscription.
 */
package dev.clincher.gateway.events;
