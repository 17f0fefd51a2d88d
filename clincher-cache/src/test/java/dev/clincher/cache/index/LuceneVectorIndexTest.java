package dev.clincher.cache.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.cache.embedding.Vectors;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneVectorIndexTest extends VectorIndexContract {
  @TempDir
  Path directory;

  @Override
  VectorIndex index() {
    return LuceneVectorIndex.inMemory(new IndexBounds(BOUND, 1 << 20, 2), clock);
  }

  private LuceneVectorIndex onDisk(IndexBounds bounds) {
    return LuceneVectorIndex.open(directory, bounds, clock);
  }

  @Test
  void aRestartKeepsTheEntriesButNotTheExpiredOnes() {
    IndexBounds bounds = new IndexBounds(100, 1 << 20, 10);
    try (LuceneVectorIndex index = onDisk(bounds)) {
      index.put("ns", "long", unit(1, 0, 0), Duration.ofMinutes(10));
      index.put("ns", "short", unit(0, 1, 0), Duration.ofSeconds(10));
      index.put("other", "x", unit(0, 0, 1), Duration.ofMinutes(10));
    }
    clock.advance(Duration.ofSeconds(11));
    try (LuceneVectorIndex reopened = onDisk(bounds)) {
      assertThat(reopened.nearest("ns", unit(1, 0, 0), 0.9f)).get().extracting(VectorIndex.Match::id)
          .isEqualTo("long");
      assertThat(reopened.nearest("ns", unit(0, 1, 0), 0.9f)).as("expired before the restart").isEmpty();
      assertThat(reopened.nearest("ns", unit(0, 0, 1), 0.9f)).as("another namespace's entry").isEmpty();
      assertThat(reopened.size("ns")).isEqualTo(1);
      assertThat(reopened.size("other")).isEqualTo(1);
    }
  }

  @Test
  void aSecondProcessOnTheSameDirectoryIsRefusedClearly() {
    try (LuceneVectorIndex first = onDisk(IndexBounds.DEFAULTS)) {
      assertThatThrownBy(() -> onDisk(IndexBounds.DEFAULTS)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("in use by another process");
    }
  }

  @Test
  void theByteBoundEvictsTheLeastRecentlyUsed() {
    long threeVectors = 3 * IndexBounds.entryBytes("e0", 3);
    VectorIndex index = LuceneVectorIndex.inMemory(new IndexBounds(1000, threeVectors, 2), clock);
    index.put("ns", "e0", unit(1, 0, 0), Duration.ofMinutes(1));
    index.put("ns", "e1", unit(0, 1, 0), Duration.ofMinutes(1));
    index.put("ns", "e2", unit(0, 0, 1), Duration.ofMinutes(1));
    assertThat(index.nearest("ns", unit(1, 0, 0), 0.9f)).as("e0 used: now the most recent").isPresent();
    index.put("ns", "e3", unit(1, 1, 0), Duration.ofMinutes(1));
    assertThat(index.size("ns")).isEqualTo(3);
    assertThat(index.nearest("ns", unit(0, 1, 0), 0.9f)).as("e1 was the least recently used").isEmpty();
    assertThat(index.nearest("ns", unit(1, 0, 0), 0.9f)).isPresent();
  }

  @Test
  void anExpiredNearestEntryIsPassedOverForALiveOne() {
    VectorIndex index = index();
    index.put("ns", "expired", unit(1, 0, 0), Duration.ofSeconds(10));
    index.put("ns", "live", unit(0.95f, 0.3f, 0), Duration.ofMinutes(10));
    clock.advance(Duration.ofSeconds(11));
    assertThat(index.nearest("ns", unit(1, 0, 0), 0.9f)).get().extracting(VectorIndex.Match::id).isEqualTo("live");
  }

  @Test
  void moreExpiredEntriesThanCandidatesNearTheQueryDoNotHideALiveOne() {
    VectorIndex index = LuceneVectorIndex.inMemory(new IndexBounds(100, 1 << 20, 2), clock);
    for (int i = 0; i < 20; i++) {
      index.put("ns", "expired" + i, unit(1, 0.001f * i, 0), Duration.ofSeconds(10));
    }
    index.put("ns", "live", unit(0.95f, 0.3f, 0), Duration.ofMinutes(10));
    clock.advance(Duration.ofSeconds(11));
    assertThat(index.nearest("ns", unit(1, 0, 0), 0.9f)).get().extracting(VectorIndex.Match::id).isEqualTo("live");
  }

  @Test
  void aRemovedEntryIsNeverFound() {
    VectorIndex index = index();
    index.put("ns", "x", unit(1, 0, 0), Duration.ofMinutes(1));
    index.remove("ns", "x");
    assertThat(index.nearest("ns", unit(1, 0, 0), 0.5f)).isEmpty();
    assertThat(index.size("ns")).isZero();
  }

  @Test
  void vectorsOfDifferentLengthsLiveSideBySide() {
    VectorIndex index = index();
    index.put("ns", "three", unit(1, 0, 0), Duration.ofMinutes(1));
    index.put("ns", "four", unit(1, 0, 0, 0), Duration.ofMinutes(1));
    assertThat(index.nearest("ns", unit(1, 0, 0, 0), 0.9f)).get().extracting(VectorIndex.Match::id)
        .isEqualTo("four");
  }

  @Test
  void findsTheExactNeighbourAmongThousandsOfRandomVectors() {
    VectorIndex index = LuceneVectorIndex.inMemory(new IndexBounds(5000, 1L << 30, 2), clock);
    Random random = new Random(7);
    float[][] vectors = new float[2000][];
    for (int i = 0; i < vectors.length; i++) {
      float[] vector = new float[64];
      for (int d = 0; d < vector.length; d++) {
        vector[d] = (float) random.nextGaussian();
      }
      vectors[i] = Vectors.normalised(vector);
      index.put("ns", "e" + i, vectors[i], Duration.ofMinutes(1));
    }
    int found = 0;
    for (int i = 0; i < vectors.length; i += 10) {
      String wanted = "e" + i;
      if (index.nearest("ns", vectors[i], 0.99f).filter(match -> match.id().equals(wanted)).isPresent()) {
        found++;
      }
    }
    assertThat(found).as("of 200 stored vectors looked up").isGreaterThanOrEqualTo(198);
  }

  @Test
  void boundsMustBePositive() {
    assertThatThrownBy(() -> new IndexBounds(0, 1, 1)).hasMessageContaining("maxEntriesPerNamespace");
    assertThatThrownBy(() -> new IndexBounds(1, 0, 1)).hasMessageContaining("maxBytesPerNamespace");
    assertThatThrownBy(() -> new IndexBounds(1, 1, 0)).hasMessageContaining("maxNamespaces");
  }
}
