package dev.clincher.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.testing.LogCapture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ShutdownTest {
  private final List<String> closed = new CopyOnWriteArrayList<>();

  private AutoCloseable recording(String name) {
    return () -> closed.add(name);
  }

  @Test
  void closesInReverseOrderAndLogsStartAndDone() {
    Shutdown shutdown = new Shutdown();
    shutdown.register("db", recording("db"));
    shutdown.register("cache", recording("cache"));
    shutdown.register("http", recording("http"));
    try (LogCapture logs = new LogCapture()) {
      assertThat(shutdown.run()).isTrue();
      assertThat(logs.text()).contains("\"event\":\"shutdown.started\"").contains("\"event\":\"shutdown.done\"");
    }
    assertThat(closed).containsExactly("http", "cache", "db");
  }

  @Test
  void aFailingResourceDoesNotStopTheOthers() {
    Shutdown shutdown = new Shutdown();
    shutdown.register("first", recording("first"));
    shutdown.register("broken", () -> {
      throw new IllegalStateException("boom");
    });
    shutdown.register("last", recording("last"));
    try (LogCapture logs = new LogCapture()) {
      assertThat(shutdown.run()).isTrue();
      assertThat(logs.text()).contains("shutdown.close.failed").contains("\"resource\":\"broken\"");
    }
    assertThat(closed).containsExactly("last", "first");
  }

  @Test
  void theDeadlineBoundsAHangingResource() {
    CountDownLatch never = new CountDownLatch(1);
    Shutdown shutdown = new Shutdown(Duration.ofMillis(300));
    shutdown.register("stuck", never::await);
    long start = System.nanoTime();
    try (LogCapture logs = new LogCapture()) {
      assertThat(shutdown.run()).isFalse();
      assertThat(logs.text()).contains("shutdown.timeout").contains("\"still_closing\":\"stuck\"");
    }
    assertThat((System.nanoTime() - start) / 1_000_000).isBetween(250L, 3_000L);
    never.countDown();
  }

  @Test
  void runsOnlyOnceAndRefusesLateRegistrations() {
    Shutdown shutdown = new Shutdown();
    shutdown.register("a", recording("a"));
    shutdown.run();
    shutdown.run();
    assertThat(closed).containsExactly("a");
    assertThatThrownBy(() -> shutdown.register("late", recording("late"))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void sigtermRunsTheHookInARealJvm() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ShutdownChild.class.getName())
        .redirectErrorStream(true)
        .start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      StringBuilder output = new StringBuilder();
      String line;
      while ((line = out.readLine()) != null) {
        output.append(line).append('\n');
        if (line.equals("ready")) {
          child.toHandle().destroy(); // SIGTERM on Unix; Process.destroy() would also close our pipe
        }
      }
      assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
      String text = output.toString();
      assertThat(text).contains("ready").contains("shutdown.started").contains("shutdown.done");
      assertThat(text.indexOf("closed:server")).isPositive().isLessThan(text.indexOf("closed:store"));
      assertThat(child.exitValue()).isEqualTo(143);
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void hangupRunsRegisteredActions() throws Exception {
    CountDownLatch reloaded = new CountDownLatch(1);
    try (Signals.Registration registration = Signals.onHangup(reloaded::countDown)) {
      org.junit.jupiter.api.Assumptions.assumeTrue(registration.installed(), "SIGHUP not available here");
      sun.misc.Signal.raise(new sun.misc.Signal("HUP"));
      assertThat(reloaded.await(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aFailingHangupActionDoesNotStopTheOthers() throws Exception {
    CountDownLatch second = new CountDownLatch(1);
    try (Signals.Registration failing = Signals.onHangup(() -> {
          throw new IllegalStateException("bad reload");
        });
        Signals.Registration ok = Signals.onHangup(second::countDown)) {
      org.junit.jupiter.api.Assumptions.assumeTrue(failing.installed() && ok.installed(), "SIGHUP not available here");
      sun.misc.Signal.raise(new sun.misc.Signal("HUP"));
      assertThat(second.await(5, TimeUnit.SECONDS)).isTrue();
    }
  }
}
