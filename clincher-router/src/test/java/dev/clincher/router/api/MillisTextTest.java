package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MillisTextTest {
  @Test
  void nanosecondsBecomeMillisecondsWithThreeDecimals() {
    assertThat(ModelCalls.millisText(0)).isEqualTo("0.000");
    assertThat(ModelCalls.millisText(42_000)).isEqualTo("0.042");
    assertThat(ModelCalls.millisText(999)).isEqualTo("0.000");
    assertThat(ModelCalls.millisText(1_500_000)).isEqualTo("1.500");
    assertThat(ModelCalls.millisText(1_234_567_890)).isEqualTo("1234.567");
    assertThat(ModelCalls.millisText(-5)).isEqualTo("0.000");
  }
}
