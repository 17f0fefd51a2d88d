package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.testing.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class LongPollerTest {
  static final LongPoller.Settings FAST = new LongPoller.Settings(Duration.ofSeconds(1), Duration.ofMillis(40),
      Duration.ofMillis(160), Duration.ofMillis(400));

  FakeBotApi fake;
  BotApi api;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeBotApi();
    api = BotApiTest.direct(fake.baseUrl(), Duration.ofSeconds(2));
    api.getMe(); // first use of client and server costs seconds on a loaded machine; not part of any timing below
  }

  @AfterEach
  void stop() {
    api.close();
    fake.close();
  }

  static void awaitSize(List<?> list, int size) throws InterruptedException {
    await(() -> list.size() >= size);
    assertThat(list).hasSize(size);
  }

  static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }

  @Test
  void updatesAreHandedOffInOrderAndTheOffsetStoredOnlyAfterEach() throws Exception {
    OffsetStore offsets = OffsetStore.inMemory();
    List<Long> received = new CopyOnWriteArrayList<>();
    List<Long> storedWhenReceived = new CopyOnWriteArrayList<>();
    long first = fake.userWrites("7", "one");
    fake.userWrites("7", "two");
    try (LongPoller poller = new LongPoller(api, offsets, update -> {
      storedWhenReceived.add(offsets.load());
      received.add(update.updateId());
    }, FAST)) {
      poller.start();
      awaitSize(received, 2);
      long third = fake.userWrites("7", "three");
      awaitSize(received, 3);
      assertThat(received).containsExactly(first, first + 1, third);
      assertThat(storedWhenReceived).allMatch(stored -> stored <= received.get(storedWhenReceived.indexOf(stored)));
      await(() -> offsets.load() == third + 1); // stored right after the handler returned
      assertThat(received.getFirst()).isEqualTo(first);
      await(() -> fake.calls("getUpdates").getLast().params().get("offset").asLong() == third + 1);
    }
  }

  @Test
  void aRestartResumesFromTheStoredOffsetAnsweringNothingTwiceAndLosingNothing(@TempDir Path directory)
      throws Exception {
    OffsetStore offsets = OffsetStore.file(directory.resolve("telegram-offset"));
    long first = fake.userWrites("7", "one");
    long second = fake.userWrites("7", "two");
    List<Long> beforeCrash = new CopyOnWriteArrayList<>();
    try (LongPoller poller = new LongPoller(api, offsets, update -> {
      if (update.updateId() == second) {
        throw new OutOfMemoryError("simulated crash while handing off the second update");
      }
      beforeCrash.add(update.updateId());
    }, FAST)) {
      poller.start();
      awaitSize(beforeCrash, 1);
      Thread.sleep(100);
    }
    long third = fake.userWrites("7", "three");
    List<Long> afterRestart = new CopyOnWriteArrayList<>();
    try (LongPoller poller = new LongPoller(api, OffsetStore.file(directory.resolve("telegram-offset")),
        update -> afterRestart.add(update.updateId()), FAST)) {
      poller.start();
      awaitSize(afterRestart, 2);
    }
    assertThat(beforeCrash).containsExactly(first);
    assertThat(afterRestart).containsExactly(second, third);
  }

  @Test
  void aConflictIsLoggedOnceAndBackedOffNotRetriedInATightLoop() throws Exception {
    for (int i = 0; i < 3; i++) {
      fake.failNext("getUpdates", 409, "Conflict: terminated by other getUpdates request; make sure that only one "
          + "bot instance is running");
    }
    try (LogCapture logs = new LogCapture();
        LongPoller poller = new LongPoller(api, OffsetStore.inMemory(), update -> { }, FAST)) {
      poller.start();
      await(() -> fake.calls("getUpdates").size() >= 4);
      List<FakeBotApi.Call> polls = fake.calls("getUpdates");
      for (int i = 1; i < 4; i++) {
        assertThat(Duration.between(polls.get(i - 1).at(), polls.get(i).at())).isGreaterThanOrEqualTo(
            Duration.ofMillis(380));
      }
      await(() -> logs.text().contains("telegram.polling_recovered"));
      assertThat(logs.text().lines().filter(line -> line.contains("\"problem\":\"conflict\""))).hasSize(1);
      assertThat(logs.text()).contains("one poller per bot");
    }
  }

  @Test
  void aSecondPollerOfTheSameBotGetsTheConflict() throws Exception {
    try (LongPoller poller = new LongPoller(api, OffsetStore.inMemory(), update -> { }, FAST)) {
      poller.start();
      Thread.sleep(200); // the poller's long poll is open
      BotApiException conflict = org.assertj.core.api.Assertions.catchThrowableOfType(BotApiException.class,
          () -> api.getUpdates(0, Duration.ZERO));
      assertThat(conflict.isConflict()).isTrue();
      assertThat(org.assertj.core.api.Assertions.catchThrowable(poller::start))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void networkErrorsBackOffDoublingUpToTheBound() throws Exception {
    for (int i = 0; i < 6; i++) {
      fake.failNext("getUpdates", 502, "Bad Gateway");
    }
    try (LogCapture logs = new LogCapture();
        LongPoller poller = new LongPoller(api, OffsetStore.inMemory(), update -> { }, FAST)) {
      poller.start();
      await(() -> fake.calls("getUpdates").size() >= 7);
      List<FakeBotApi.Call> polls = fake.calls("getUpdates");
      long[] expected = {40, 80, 160, 160, 160, 160};
      for (int i = 1; i <= expected.length; i++) {
        Duration gap = Duration.between(polls.get(i - 1).at(), polls.get(i).at());
        assertThat(gap).as("pause %d", i).isBetween(Duration.ofMillis(expected[i - 1] - 5),
            Duration.ofMillis(expected[i - 1] + 400));
      }
      assertThat(logs.text().lines().filter(line -> line.contains("telegram.polling_failed"))).hasSize(1);
    }
  }
}
