package dev.clincher.gateway.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The drain's bound: a watched drain is cut after its wait (and at most a sweep more); an ended one never is. */
@Timeout(20)
class DrainCutsTest {
  @Test
  void aDrainStillWatchedAfterItsWaitIsCutOnce() throws Exception {
    try (DrainCuts cuts = new DrainCuts(Duration.ofMillis(300))) {
      CountDownLatch cut = new CountDownLatch(1);
      AtomicInteger runs = new AtomicInteger();
      long started = System.nanoTime();
      cuts.watch(() -> {
        runs.incrementAndGet();
        cut.countDown();
      });
      assertThat(cut.await(5, TimeUnit.SECONDS)).isTrue();
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(waited).as("cut after the wait, not before").isGreaterThanOrEqualTo(300);
      Thread.sleep(3 * DrainCuts.SWEEP.toMillis());
      assertThat(runs.get()).as("a cut runs once").isEqualTo(1);
      assertThat(cuts.watched()).isZero();
    }
  }

  @Test
  void aDrainThatEndedInTimeIsNeverCut() throws Exception {
    try (DrainCuts cuts = new DrainCuts(Duration.ofMillis(100))) {
      AtomicInteger runs = new AtomicInteger();
      for (int i = 0; i < 1_000; i++) {
        try (DrainCuts.Watch watch = cuts.watch(runs::incrementAndGet)) {
          assertThat(cuts.watched()).isEqualTo(1);
        }
      }
      assertThat(cuts.watched()).isZero();
      Thread.sleep(100 + 3 * DrainCuts.SWEEP.toMillis());
      assertThat(runs.get()).isZero();
    }
  }

  @Test
  void closedCutsCutNothing() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    DrainCuts cuts = new DrainCuts(Duration.ofMillis(50));
    cuts.close();
    cuts.watch(runs::incrementAndGet);
    Thread.sleep(100 + 3 * DrainCuts.SWEEP.toMillis());
    assertThat(runs.get()).isZero();
  }
}
