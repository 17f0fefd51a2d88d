package dev.clincher.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DrainTest {

  @Test
  void returnsAsSoonAsNothingIsOpen() {
    AtomicLong open = new AtomicLong(3);
    Thread.ofVirtual().start(() -> {
      try {
        Thread.sleep(150);
      } catch (InterruptedException ignored) {
        return;
      }
      open.set(0);
    });
    long started = System.nanoTime();
    assertThat(Drain.await(open::get, Duration.ofSeconds(10))).isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void givesUpAfterTheGracePeriodAndReportsWhatIsLeft() {
    long started = System.nanoTime();
    assertThat(Drain.await(() -> 2, Duration.ofMillis(200))).isEqualTo(2);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(200), Duration.ofSeconds(5));
  }
}
