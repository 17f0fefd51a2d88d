package dev.clincher.socketproxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GlobTest {
  @Test
  void starMatchesAnyRun() {
    Glob glob = new Glob("clincher-sandbox*");
    assertThat(glob.matches("clincher-sandbox")).isTrue();
    assertThat(glob.matches("clincher-sandbox-test:latest")).isTrue();
    assertThat(glob.matches("busybox")).isFalse();
    assertThat(glob.matches("x-clincher-sandbox")).isFalse();
    assertThat(new Glob("a*b*c").matches("aXXbYYc")).isTrue();
    assertThat(new Glob("a*b*c").matches("aXXbYY")).isFalse();
    assertThat(new Glob("exact").matches("exactly")).isFalse();
  }

  @Test
  void pathologicalInputStaysFast() {
    String text = "a".repeat(20_000);
    assertThat(new Glob("*a*a*a*a*a*a*b").matches(text)).isFalse();
  }
}
