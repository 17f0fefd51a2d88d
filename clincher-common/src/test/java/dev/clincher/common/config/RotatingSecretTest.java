package dev.clincher.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file secret re-read on reload: new at once, old within the grace only, refusals keep the current value. */
class RotatingSecretTest {
  static final String OLD = "old-secret-0123456789abcdef";
  static final String NEW = "new-secret-fedcba9876543210";

  /** A clock the test moves by hand. */
  static final class SteppedClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @TempDir
  Path directory;
  SteppedClock clock = new SteppedClock();

  RotatingSecret secretIn(Path file) throws Exception {
    return RotatingSecret.fromFile("test_token", file, Duration.ofMinutes(10), clock, RotatingSecret.Check.NONE);
  }

  @Test
  void theNewValueWorksAtOnceAndTheOldOneUntilTheGraceEnds() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), OLD + "\n");
    RotatingSecret secret = secretIn(file);
    Files.writeString(file, NEW + "\n");

    RotatingSecret.Reload reload = secret.reload();

    assertThat(reload.outcome()).isEqualTo(RotatingSecret.Outcome.ROTATED);
    assertThat(reload.graceUntil()).contains(Instant.parse("2026-01-01T00:10:00Z"));
    assertThat(secret.current().reveal()).isEqualTo(NEW);
    assertThat(secret.matches(NEW)).isTrue();
    assertThat(secret.matches(OLD)).isTrue();
    clock.now = clock.now.plus(Duration.ofMinutes(10));
    assertThat(secret.matches(OLD)).isFalse();
    assertThat(secret.matches(NEW)).isTrue();
  }

  @Test
  void reloadingTheSameFileNeverExtendsTheGrace() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), OLD);
    RotatingSecret secret = secretIn(file);
    Files.writeString(file, NEW);
    secret.reload();
    clock.now = clock.now.plus(Duration.ofMinutes(9));

    RotatingSecret.Reload again = secret.reload();

    assertThat(again.outcome()).isEqualTo(RotatingSecret.Outcome.UNCHANGED);
    assertThat(again.graceUntil()).contains(Instant.parse("2026-01-01T00:10:00Z"));
    clock.now = clock.now.plus(Duration.ofMinutes(1));
    assertThat(secret.matches(OLD)).isFalse();
    assertThat(secret.reload().graceUntil()).isEmpty();
    assertThat(secret.matches(OLD)).isFalse();
  }

  @Test
  void prefixesExtensionsAndOtherCaseOfTheOldValueDoNotPass() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), OLD);
    RotatingSecret secret = secretIn(file);
    Files.writeString(file, NEW);
    secret.reload();

    assertThat(secret.matches(OLD.substring(0, OLD.length() - 1))).isFalse();
    assertThat(secret.matches(OLD.substring(0, 16))).isFalse();
    assertThat(secret.matches(OLD + "x")).isFalse();
    assertThat(secret.matches(OLD.toUpperCase(java.util.Locale.ROOT))).isFalse();
    assertThat(secret.matches(NEW.substring(0, 20))).isFalse();
    assertThat(secret.matches("")).isFalse();
    assertThat(secret.matches(null)).isFalse();
  }

  @Test
  void anEmptyShortOrSpacedNewValueIsRefusedAndTheCurrentOneStays() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), OLD);
    RotatingSecret secret = secretIn(file);
    for (String bad : new String[] {"", "\n", "short-123", "has a space in it, long enough"}) {
      Files.writeString(file, bad);

      RotatingSecret.Reload reload = secret.reload();

      assertThat(reload.outcome()).as(bad).isEqualTo(RotatingSecret.Outcome.REFUSED);
      assertThat(reload.reason()).doesNotContain(bad.strip().isEmpty() ? "\u0000" : bad);
      assertThat(secret.matches(OLD)).isTrue();
      assertThat(secret.matches(bad.strip())).isFalse();
    }
  }

  @Test
  void theServicesOwnCheckRefusesAValue() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), OLD);
    RotatingSecret secret = RotatingSecret.fromFile("test_token", file, Duration.ofMinutes(10), clock,
        value -> value.startsWith("sk-") ? null : "must start with sk-");
    Files.writeString(file, NEW);

    assertThat(secret.reload().reason()).startsWith("must start with sk-");
    assertThat(secret.current().reveal()).isEqualTo(OLD);
  }

  @Test
  void aMissingFileIsRefusedNotFatal() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), OLD);
    RotatingSecret secret = secretIn(file);
    Files.delete(file);

    assertThat(secret.reload().outcome()).isEqualTo(RotatingSecret.Outcome.REFUSED);
    assertThat(secret.matches(OLD)).isTrue();
  }

  @Test
  void rotatingTwiceEndsTheFirstValuesGrace() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), OLD);
    RotatingSecret secret = secretIn(file);
    Files.writeString(file, NEW);
    secret.reload();
    String third = "third-secret-aa11bb22cc33dd44";
    Files.writeString(file, third);
    secret.reload();

    assertThat(secret.matches(OLD)).isFalse();
    assertThat(secret.matches(NEW)).isTrue();
    assertThat(secret.matches(third)).isTrue();
  }

  @Test
  void aValueFromTheEnvironmentIsFixedAndOneFromAFileVariableReloads() throws Exception {
    Path file = Files.writeString(directory.resolve("token"), OLD);
    RotatingSecret direct = RotatingSecret.fromEnv("t", "TOKEN", Map.of("TOKEN", OLD), Duration.ofMinutes(1), clock,
        RotatingSecret.Check.NONE).orElseThrow();
    RotatingSecret fromFile = RotatingSecret.fromEnv("t", "TOKEN", Map.of("TOKEN_FILE", file.toString()),
        Duration.ofMinutes(1), clock, RotatingSecret.Check.NONE).orElseThrow();
    Files.writeString(file, NEW);

    assertThat(direct.reload().outcome()).isEqualTo(RotatingSecret.Outcome.NOT_A_FILE);
    assertThat(fromFile.reload().outcome()).isEqualTo(RotatingSecret.Outcome.ROTATED);
    assertThat(RotatingSecret.fromEnv("t", "TOKEN", Map.of(), Duration.ZERO, clock, RotatingSecret.Check.NONE))
        .isEmpty();
  }
}
