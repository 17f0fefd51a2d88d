package dev.clincher.cache.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.cache.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneEntryStoreTest {
  private final ManualClock clock = ManualClock.now();
  @TempDir
  Path directory;

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void valuesSurviveARestartButExpiredOnesDoNot() {
    try (LuceneEntryStore store = LuceneEntryStore.open(directory, 1 << 20, clock)) {
      store.put("long", bytes("kept"), Duration.ofMinutes(10));
      store.put("short", bytes("gone"), Duration.ofSeconds(10));
      assertThat(store.get("short")).hasValueSatisfying(value -> assertThat(value).isEqualTo(bytes("gone")));
    }
    clock.advance(Duration.ofSeconds(11));
    try (LuceneEntryStore store = LuceneEntryStore.open(directory, 1 << 20, clock)) {
      assertThat(store.get("long")).hasValueSatisfying(value -> assertThat(value).isEqualTo(bytes("kept")));
      assertThat(store.get("short")).isEmpty();
      clock.advance(Duration.ofMinutes(10));
      assertThat(store.get("long")).as("expired while running").isEmpty();
    }
  }

  @Test
  void theOldestValuesGoBeyondTheByteBoundAndAReplacementCountsOnce() {
    try (LuceneEntryStore store = LuceneEntryStore.open(directory, 10, clock)) {
      store.put("a", bytes("aaaa"), Duration.ofMinutes(1));
      store.put("a", bytes("AAAA"), Duration.ofMinutes(1));
      store.put("b", bytes("bbbb"), Duration.ofMinutes(1));
      assertThat(store.get("a")).hasValueSatisfying(value -> assertThat(value).isEqualTo(bytes("AAAA")));
      store.put("c", bytes("cccc"), Duration.ofMinutes(1));
      assertThat(store.get("a")).isEmpty();
      assertThat(store.get("b")).isPresent();
      assertThat(store.get("c")).isPresent();
      store.put("huge", new byte[11], Duration.ofMinutes(1));
      assertThat(store.get("huge")).isEmpty();
      assertThat(store.get("b")).as("a value over the bound evicts nothing").isPresent();
    }
  }
}
