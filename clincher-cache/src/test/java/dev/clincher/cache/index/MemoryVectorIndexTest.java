package dev.clincher.cache.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryVectorIndexTest extends VectorIndexContract {

  @Override
  VectorIndex index() {
    return new MemoryVectorIndex(BOUND, 2, clock);
  }

  @Test
  void dropsTheLeastRecentlyUsedNamespaceBeyondItsBound() {
    VectorIndex index = index();
    index.put("a", "x", unit(1, 0), Duration.ofMinutes(1));
    index.put("b", "x", unit(1, 0), Duration.ofMinutes(1));
    index.nearest("a", unit(1, 0), 0.5f); // a is now more recent than b
    index.put("c", "x", unit(1, 0), Duration.ofMinutes(1));
    assertThat(index.size("b")).isZero();
    assertThat(index.size("a")).isEqualTo(1);
    assertThat(index.size("c")).isEqualTo(1);
  }
}
