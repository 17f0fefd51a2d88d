package dev.clincher.gateway.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.events.EventSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The delta batcher never holds text back until the model's next chunk: a model that pauses after a few words (a
 * slow provider, or one that stalls) must still have those words streamed. The end-to-end topology test caught a
 * batcher that held the first words of a call until the rest of the answer arrived.
 */
class DeltaBatcherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final RecordingSink sink = new RecordingSink();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void theFirstTextOfACallGoesOutAtOnce() {
    DeltaBatcher deltas = new DeltaBatcher(sink, JSON, timer);
    deltas.add("The sandbox said: ");
    assertThat(sink.texts()).containsExactly("The sandbox said: ");
  }

  @Test
  void textHeldBackWhileTheModelPausesIsWrittenWithoutItsNextChunk() throws Exception {
    DeltaBatcher deltas = new DeltaBatcher(sink, JSON, timer);
    deltas.add("one ");
    deltas.add("two "); // within the batching window: held
    deltas.add("three ");
    assertThat(sink.emitted.poll(5, TimeUnit.SECONDS)).isEqualTo("one ");
    // the model now says nothing more; the held words still go out (bounded wait, not a timing assertion)
    assertThat(sink.emitted.poll(5, TimeUnit.SECONDS)).as("the held text, written by the timer").isEqualTo("two three ");
    assertThat(sink.withNext).isEmpty();
    deltas.close();
    assertThat(sink.texts()).as("nothing left to write at the close").containsExactly("one ", "two three ");
  }

  @Test
  void closeWritesWhatIsHeldAsTheEventBeforeTheAssistantMessageAndTheTimerWritesNothingAfter() throws Exception {
    DeltaBatcher deltas = new DeltaBatcher(sink, JSON, timer);
    deltas.add("a");
    deltas.add("b");
    deltas.close();
    assertThat(sink.texts()).containsExactly("a", "b");
    assertThat(sink.withNext).containsExactly("b");
    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(DeltaBatcher.FLUSH_NANOS) * 4);
    assertThat(sink.texts()).as("no write after the close").containsExactly("a", "b");
  }

  @Test
  void aLongTextGoesOutWithoutWaitingForTheWindow() {
    DeltaBatcher deltas = new DeltaBatcher(sink, JSON, timer);
    deltas.add("x");
    String big = "y".repeat(DeltaBatcher.FLUSH_CHARS);
    deltas.add(big);
    assertThat(sink.texts()).containsExactly("x", big);
  }

  @Test
  void aFailedWriteByTheTimerIsThrownToTheRunAtItsNextCall() throws Exception {
    RuntimeException storeDown = new IllegalStateException("transcript store write failed");
    FailingSink failing = new FailingSink(storeDown);
    DeltaBatcher deltas = new DeltaBatcher(failing, JSON, timer);
    deltas.add("first");
    failing.failNext = true;
    deltas.add("held");
    assertThat(failing.attempts.poll(5, TimeUnit.SECONDS)).as("the timer tried to write the held text").isEqualTo("held");
    assertThatThrownBy(() -> deltas.add("more")).isSameAs(storeDown);
    assertThatThrownBy(deltas::close).isSameAs(storeDown);
  }

  /** Records what was emitted, in order, and which texts were emitted with the next event. */
  private static final class RecordingSink implements EventSink {
    final LinkedBlockingQueue<String> emitted = new LinkedBlockingQueue<>();
    final List<String> all = new CopyOnWriteArrayList<>();
    final List<String> withNext = new CopyOnWriteArrayList<>();

    @Override
    public long emit(String type, ObjectNode data) {
      assertThat(type).isEqualTo("assistant_delta");
      all.add(data.path("text").asText());
      emitted.add(data.path("text").asText());
      return all.size();
    }

    @Override
    public long emitWithNext(String type, ObjectNode data) {
      withNext.add(data.path("text").asText());
      return emit(type, data);
    }

    List<String> texts() {
      return List.copyOf(all);
    }
  }

  /** A sink whose write fails when told to, as a transcript store that lost its disk. */
  private static final class FailingSink implements EventSink {
    final LinkedBlockingQueue<String> attempts = new LinkedBlockingQueue<>();
    private final RuntimeException failure;
    volatile boolean failNext;

    FailingSink(RuntimeException failure) {
      this.failure = failure;
    }

    @Override
    public long emit(String type, ObjectNode data) {
      if (failNext) {
        attempts.add(data.path("text").asText());
        throw failure;
      }
      return 1;
    }
  }
}
