package dev.clincher.common.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.testing.LogCapture;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HealthTest {
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void releaseHungChecks() {
    release.countDown();
  }

  private CheckResult hang() {
    try {
      release.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return CheckResult.up();
  }

  @Test
  void livelinessIsAlwaysHealthy() {
    Health health = new Health();
    health.addReadinessCheck("db", () -> CheckResult.down("gone"));
    assertThat(health.liveliness().healthy()).isTrue();
    assertThat(health.liveliness().httpStatus()).isEqualTo(200);
  }

  @Test
  void readinessFollowsTheServerState() {
    Health health = new Health();
    assertThat(health.readiness().healthy()).isFalse();
    assertThat(health.readiness().checks().get("server").detail()).isEqualTo("starting");
    health.markReady();
    assertThat(health.readiness().healthy()).isTrue();
    assertThat(health.readiness().httpStatus()).isEqualTo(200);
    health.markDraining();
    assertThat(health.readiness().healthy()).isFalse();
    assertThat(health.readiness().checks().get("server").detail()).isEqualTo("draining");
    assertThat(health.readiness().httpStatus()).isEqualTo(503);
  }

  @Test
  void aDegradedCheckKeepsReadinessUpAndSaysDegraded() throws Exception {
    Health health = new Health();
    health.markReady();
    health.addReadinessCheck("telegram", () -> CheckResult.degraded("409 conflict"));
    HealthReport report = health.readiness();
    assertThat(report.healthy()).isTrue();
    assertThat(report.httpStatus()).isEqualTo(200);
    JsonNode body = new ObjectMapper().readTree(report.toJson());
    assertThat(body.path("status").asText()).isEqualTo("healthy");
    assertThat(body.path("checks").path("telegram").path("status").asText()).isEqualTo("degraded");
    assertThat(body.path("checks").path("telegram").path("detail").asText()).isEqualTo("409 conflict");
  }

  @Test
  void oneFailingCheckMakesReadinessFail() {
    Health health = new Health();
    health.markReady();
    health.addReadinessCheck("redis", CheckResult::up);
    health.addReadinessCheck("db", () -> CheckResult.down("connection refused"));
    HealthReport report = health.readiness();
    assertThat(report.healthy()).isFalse();
    assertThat(report.checks().keySet()).containsExactly("server", "redis", "db");
    assertThat(report.checks().get("db")).isEqualTo(CheckResult.down("connection refused"));
  }

  @Test
  void hungCheckTimesOutWithoutHangingTheReport() {
    Health health = new Health(Duration.ofMillis(300));
    health.markReady();
    health.addReadinessCheck("hung", this::hang);
    health.addReadinessCheck("fine", CheckResult::up);
    long start = System.nanoTime();
    HealthReport report = health.readiness();
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(elapsedMs).isBetween(250L, 2_000L);
    assertThat(report.healthy()).isFalse();
    assertThat(report.checks().get("hung").detail()).startsWith("timeout");
    assertThat(report.checks().get("fine").healthy()).isTrue();
  }

  @Test
  void hungCheckIsNotStartedAgainWhileStillRunning() {
    AtomicInteger starts = new AtomicInteger();
    Health health = new Health(Duration.ofMillis(100));
    health.addReadinessCheck("hung", () -> {
      starts.incrementAndGet();
      return hang();
    });
    health.readiness();
    health.readiness();
    health.readiness();
    assertThat(starts.get()).isEqualTo(1);
  }

  @Test
  void checksRunInParallel() {
    Health health = new Health(Duration.ofSeconds(5));
    health.markReady();
    for (int i = 0; i < 5; i++) {
      health.addReadinessCheck("slow" + i, () -> {
        sleep(300);
        return CheckResult.up();
      });
    }
    long start = System.nanoTime();
    assertThat(health.readiness().healthy()).isTrue();
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1_200L);
  }

  @Test
  void throwingOrNullChecksAreDown() {
    Health health = new Health();
    health.addReadinessCheck("throws", () -> {
      throw new IllegalStateException("password=hunter2");
    });
    health.addReadinessCheck("null", () -> null);
    try (LogCapture logs = new LogCapture()) {
      HealthReport report = health.readiness();
      assertThat(report.checks().get("throws")).isEqualTo(CheckResult.down("error: IllegalStateException"));
      assertThat(report.checks().get("null").healthy()).isFalse();
      assertThat(report.toJson()).doesNotContain("hunter2");
      assertThat(logs.text()).contains("health.check.failed").doesNotContain("hunter2");
    }
  }

  @Test
  void namesMustBeUnique() {
    Health health = new Health();
    health.addReadinessCheck("db", CheckResult::up);
    assertThatThrownBy(() -> health.addReadinessCheck("db", CheckResult::up)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> health.addReadinessCheck("server", CheckResult::up)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void jsonBodyListsEveryCheck() throws Exception {
    Health health = new Health();
    health.markReady();
    health.addReadinessCheck("db", () -> CheckResult.down("say \"hi\""));
    JsonNode body = new ObjectMapper().readTree(health.readiness().toJson());
    assertThat(body.get("status").textValue()).isEqualTo("unhealthy");
    assertThat(body.at("/checks/server/status").textValue()).isEqualTo("healthy");
    assertThat(body.at("/checks/db/status").textValue()).isEqualTo("unhealthy");
    assertThat(body.at("/checks/db/detail").textValue()).isEqualTo("say \"hi\"");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
