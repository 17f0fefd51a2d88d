package dev.clincher.router.spendlog;

import dev.clincher.router.keys.VirtualKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Records for the tests: plain ones, ones that are a pure function of their id, random ones. */
final class SpendRecords {
  static final String KEY_A = VirtualKey.hash("sk-test-a");
  static final String KEY_B = VirtualKey.hash("sk-test-b");
  private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

  private SpendRecords() {}

  /** A successful call on {@code gpt} by key A at {@code time}. */
  static SpendRecord plain(String id, Instant time) {
    return new SpendRecord(id, time, Optional.of(KEY_A), Optional.of("team-1"), Optional.of("user-1"), "gpt",
        "gpt#0", 100, 20, 10, 0, 1_500, false, false, 200, 850);
  }

  /** Every field derived from {@code n}, so a row read back can be checked whole. */
  static SpendRecord numbered(String id, int n) {
    boolean master = n % 7 == 0;
    boolean hit = n % 11 == 0;
    return new SpendRecord(id, BASE.plusMillis(n * 1_001L), master ? Optional.empty() : Optional.of(n % 2 == 0 ? KEY_A
        : KEY_B), n % 3 == 0 ? Optional.empty() : Optional.of("team-" + n % 3), n % 5 == 0 ? Optional.empty()
        : Optional.of("user-" + n % 5), "model-" + n % 4, hit ? SpendRecord.CACHE : n % 13 == 0 ? "" : "dep-" + n % 6,
        n, 2L * n, n % 17, n % 19, hit ? 0 : 1_000L * n + 7, hit, n % 23 == 0, n % 13 == 0 ? 502 : 200, n % 1_000);
  }

  /** {@code count} records spread over January and February 2026, from a fixed seed. */
  static List<SpendRecord> random(int count, long seed) {
    Random random = new Random(seed);
    List<String> keys = List.of(KEY_A, KEY_B, VirtualKey.hash("c"), VirtualKey.hash("d"));
    return java.util.stream.IntStream.range(0, count).mapToObj(i -> {
      Optional<String> key = random.nextInt(5) == 0 ? Optional.empty() : Optional.of(keys.get(random.nextInt(4)));
      boolean hit = random.nextInt(10) == 0;
      return new SpendRecord("r-" + seed + "-" + i, BASE.plusSeconds(random.nextInt(59 * 86_400)), key,
          pick(random, "team-a", "team-b", "team-c"), pick(random, "u1", "u2", "u3", "u4"),
          "model-" + random.nextInt(3), hit ? SpendRecord.CACHE : "dep-" + random.nextInt(4), random.nextInt(5_000),
          random.nextInt(2_000), random.nextInt(100), random.nextInt(100), hit ? 0 : random.nextInt(1_000_000), hit,
          random.nextInt(20) == 0, 200, random.nextInt(10_000));
    }).toList();
  }

  private static Optional<String> pick(Random random, String... values) {
    int i = random.nextInt(values.length + 1);
    return i == values.length ? Optional.empty() : Optional.of(values[i]);
  }
}
