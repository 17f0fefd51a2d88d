package dev.clincher.router.spendlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a spend record and the log's settings accept. */
class SpendRecordTest {
  private static final Instant TIME = Instant.parse("2026-03-01T10:00:00.123456789Z");

  @Test
  void keepsTheTimeToTheMillisecond() {
    assertThat(SpendRecords.plain("a", TIME).time()).isEqualTo(Instant.parse("2026-03-01T10:00:00.123Z"));
  }

  @Test
  void refusesWhatTheLogCouldNotStoreOrWouldMisread() {
    refused(() -> SpendRecords.plain("", TIME), "requestId must be 1 to 128 characters");
    refused(() -> SpendRecords.plain("x".repeat(129), TIME), "requestId must be 1 to 128 characters, got 129");
    refused(() -> SpendRecords.plain("a\0b", TIME), "requestId must not contain NUL");
    refused(() -> SpendRecords.plain("a", Instant.parse("1969-12-31T23:59:59Z")), "time must be between 1970");
    refused(() -> record(Optional.of("ABC"), "gpt#0", false, 0, 200), "keyHash must be 64 lower-case hex digits");
    refused(() -> record(Optional.of(SpendRecords.KEY_A.toUpperCase()), "gpt#0", false, 0, 200), "keyHash");
    refused(() -> record(Optional.empty(), "gpt#0", true, 0, 200), "a cache hit has deployment \"cache\"");
    refused(() -> record(Optional.empty(), "gpt#0", false, -1, 200), "promptTokens must not be negative, got -1");
    refused(() -> record(Optional.empty(), "gpt#0", false, 0, 99), "status must be an HTTP status");
    refused(() -> record(Optional.empty(), "d".repeat(257), false, 0, 200), "deployment must be 0 to 256");
    refused(() -> new SpendRecord("a", TIME, Optional.empty(), Optional.of(""), Optional.empty(), "gpt", "", 0, 0, 0,
        0, 0, false, false, 200, 0), "team must be 1 to 256 characters");
    refused(() -> new SpendRecord("a", TIME, Optional.empty(), Optional.empty(), Optional.empty(), "gpt", "", 0, 0, 0,
        0, -5, false, false, 200, 0), "costNanos must not be negative");
  }

  @Test
  void settingsAreBounded() {
    assertThatThrownBy(() -> SpendLogSettings.DEFAULTS.withQueueCapacity(0)).hasMessageContaining("queueCapacity");
    assertThatThrownBy(() -> SpendLogSettings.DEFAULTS.withMaxBatch(1_001))
        .hasMessage("maxBatch must be 1 to 1000, got 1001");
    assertThatThrownBy(() -> SpendLogSettings.DEFAULTS.withCommitTimeout(Duration.ZERO))
        .hasMessageContaining("commitTimeout must be more than 0");
    assertThatThrownBy(() -> SpendLogSettings.DEFAULTS.withLockTimeout(Duration.ofHours(1)))
        .hasMessageContaining("lockTimeout must be more than 0 and at most 10 minutes");
    assertThatThrownBy(() -> new SpendLogSettings(1, 1, Duration.ofSeconds(1), Duration.ofSeconds(1),
        Duration.ofMillis(500), Duration.ofSeconds(1), Durability.POWER_LOSS))
        .hasMessageContaining("statementTimeout must be at least 1 s");
  }

  private static SpendRecord record(Optional<String> key, String deployment, boolean hit, long prompt, int status) {
    return new SpendRecord("a", TIME, key, Optional.empty(), Optional.empty(), "gpt", deployment, prompt, 0, 0, 0, 0,
        hit, false, status, 0);
  }

  private static void refused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }
}
