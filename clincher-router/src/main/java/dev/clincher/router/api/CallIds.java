package dev.clincher.router.api;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.NoArgGenerator;

/**
 * The id of each model call: answered as {@code x-litellm-call-id} and the primary key of its spend-log row. A
 * time-ordered UUID (version 7: the millisecond, then random bits, counted up within a millisecond; calls racing for
 * the generator may start a millisecond's bits afresh, so ids are unique, ordered by millisecond), so the spend
 * log's primary-key index grows at its end instead of at a random page per row: with random (version 4) ids every
 * row dirtied a different index page, and writing those pages back at each WAL checkpoint was most of the router's
 * p99 at 2,000 req/s (bench/router/README.md). Still unique across router replicas sharing one database (74 random
 * bits per millisecond and instance).
 */
final class CallIds {
  private final NoArgGenerator generator = Generators.timeBasedEpochGenerator();

  String next() {
    return generator.generate().toString();
  }
}
