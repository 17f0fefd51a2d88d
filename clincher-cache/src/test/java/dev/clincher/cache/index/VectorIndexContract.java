package dev.clincher.cache.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.embedding.Vectors;
import dev.clincher.cache.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What every {@link VectorIndex} does; subclasses supply the index under a clock they control. */
abstract class VectorIndexContract {
  static final int BOUND = 3;

  final ManualClock clock = ManualClock.now();

  /** An index with {@link #BOUND} entries per namespace. */
  abstract VectorIndex index();

  static float[] unit(float... values) {
    return Vectors.normalised(values);
  }

  @Test
  void findsTheNearestEntryAboveTheThreshold() {
    VectorIndex index = index();
    index.put("ns", "x", unit(1, 0, 0), Duration.ofMinutes(1));
    index.put("ns", "y", unit(0, 1, 0), Duration.ofMinutes(1));
    assertThat(index.nearest("ns", unit(0.9f, 0.1f, 0), 0.9f)).get()
        .satisfies(match -> {
          assertThat(match.id()).isEqualTo("x");
          assertThat(match.similarity()).isGreaterThan(0.99f);
        });
    assertThat(index.nearest("ns", unit(1, 1, 0), 0.9f)).as("0.707 is below 0.9").isEmpty();
  }

  @Test
  void namespacesNeverSeeEachOther() {
    VectorIndex index = index();
    index.put("tenant-a", "x", unit(1, 0, 0), Duration.ofMinutes(1));
    assertThat(index.nearest("tenant-b", unit(1, 0, 0), 0.5f)).isEmpty();
    assertThat(index.nearest("tenant-a", unit(1, 0, 0), 0.5f)).isPresent();
  }

  @Test
  void entriesExpireAfterTheirTtl() {
    VectorIndex index = index();
    index.put("ns", "short", unit(1, 0, 0), Duration.ofSeconds(10));
    index.put("ns", "long", unit(0, 1, 0), Duration.ofMinutes(10));
    assertThat(index.nearest("ns", unit(1, 0, 0), 0.9f)).isPresent();
    clock.advance(Duration.ofSeconds(11));
    assertThat(index.nearest("ns", unit(1, 0, 0), 0.9f)).isEmpty();
    assertThat(index.size("ns")).isEqualTo(1);
  }

  @Test
  void evictsTheOldestBeyondTheBound() {
    VectorIndex index = index();
    for (int i = 0; i < BOUND + 2; i++) {
      float[] vector = new float[BOUND + 2];
      vector[i] = 1;
      index.put("ns", "e" + i, vector, Duration.ofMinutes(1).plusSeconds(i));
      clock.advance(Duration.ofMillis(5));
    }
    assertThat(index.size("ns")).isEqualTo(BOUND);
    float[] first = new float[BOUND + 2];
    first[0] = 1;
    assertThat(index.nearest("ns", first, 0.5f)).as("e0 was evicted").isEmpty();
    float[] last = new float[BOUND + 2];
    last[BOUND + 1] = 1;
    assertThat(index.nearest("ns", last, 0.5f)).get().extracting(VectorIndex.Match::id).isEqualTo("e" + (BOUND + 1));
  }

  @Test
  void aPutReplacesTheSameId() {
    VectorIndex index = index();
    index.put("ns", "x", unit(1, 0, 0), Duration.ofMinutes(1));
    index.put("ns", "x", unit(0, 1, 0), Duration.ofMinutes(1));
    assertThat(index.size("ns")).isEqualTo(1);
    assertThat(index.nearest("ns", unit(1, 0, 0), 0.5f)).isEmpty();
    assertThat(index.nearest("ns", unit(0, 1, 0), 0.5f)).isPresent();
  }
}
