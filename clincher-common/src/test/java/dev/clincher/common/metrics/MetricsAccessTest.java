package dev.clincher.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics credential: its own token from a file, or metrics off; never another credential of the service. */
class MetricsAccessTest {
  @Test
  void aTokenFileAllowsOnlyItsBearer(@TempDir Path directory) throws Exception {
    Path file = Files.writeString(directory.resolve("token"), "metrics-secret\n");
    MetricsAccess access = MetricsAccess.fromFile(Optional.of(file), "--metrics-token-file");

    assertThat(access.enabled()).isTrue();
    assertThat(access.decide("test", Optional.of("Bearer metrics-secret")).allowed()).isTrue();
    assertThat(access.decide("test", Optional.of("bearer metrics-secret")).rule()).isEqualTo("metrics_token");
    assertThat(access.decide("test", Optional.of("Bearer other")).rule()).isEqualTo("metrics_token_wrong");
    assertThat(access.decide("test", Optional.of("Basic metrics-secret")).rule()).isEqualTo("metrics_token_missing");
    assertThat(access.decide("test", Optional.empty()).rule()).isEqualTo("metrics_token_missing");
  }

  @Test
  void withoutATokenMetricsAreOffAndSayHowToTurnThemOn() throws Exception {
    MetricsAccess access = MetricsAccess.fromFile(Optional.empty(), "CLINCHER_METRICS_TOKEN_FILE");

    MetricsAccess.Decision decision = access.decide("test", Optional.of("Bearer anything"));

    assertThat(access.enabled()).isFalse();
    assertThat(decision.allowed()).isFalse();
    assertThat(decision.rule()).isEqualTo("metrics_token_not_configured");
    assertThat(decision.reason()).contains("CLINCHER_METRICS_TOKEN_FILE");
  }

  @Test
  void anEmptyFileAndAnotherCredentialAreRefusedAtStart(@TempDir Path directory) throws Exception {
    Path empty = Files.writeString(directory.resolve("empty"), "\n");
    assertThatThrownBy(() -> MetricsAccess.fromFile(Optional.of(empty), "--metrics-token-file"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("is empty");

    Path same = Files.writeString(directory.resolve("same"), "sk-master\n");
    MetricsAccess access = MetricsAccess.fromFile(Optional.of(same), "CLINCHER_METRICS_TOKEN_FILE");
    assertThatThrownBy(() -> access.requireDistinctFrom(Secret.of("sk-master"), "master key"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("must not be the master key");
    MetricsAccess.fromFile(Optional.of(same), "x").requireDistinctFrom(Secret.of("sk-other"), "master key");
  }
}
