package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class CallIdsTest {

  @Test
  void idsAreVersion7UuidsInIncreasingOrderStampedWithTheMillisecond() {
    CallIds ids = new CallIds();
    long before = System.currentTimeMillis();
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      made.add(ids.next());
    }
    long after = System.currentTimeMillis();

    for (String id : made) {
      UUID uuid = UUID.fromString(id);
      assertThat(uuid.version()).as(id).isEqualTo(7);
      assertThat(uuid.variant()).as(id).isEqualTo(2); // RFC 9562
      assertThat(uuid.getMostSignificantBits() >>> 16).as("the millisecond of %s", id).isBetween(before, after);
    }
    assertThat(made).as("strictly increasing as text, also within one millisecond").isSorted()
        .doesNotHaveDuplicates();
  }

  @Test
  void oneGeneratorSharedByConcurrentRequestsNeverRepeatsAnId() throws Exception {
    CallIds ids = new CallIds(); // ModelCalls keeps one for all request threads
    Set<String> seen = ConcurrentHashMap.newKeySet();
    List<Future<?>> workers = new ArrayList<>();
    try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
      for (int t = 0; t < 8; t++) {
        workers.add(threads.submit(() -> {
          // Not necessarily increasing here: a thread that read the clock before another's call may start the
          // millisecond's random bits afresh. Unique is what the spend log's primary key needs.
          for (int i = 0; i < 5_000; i++) {
            String id = ids.next();
            assertThat(UUID.fromString(id).version()).as(id).isEqualTo(7);
            assertThat(seen.add(id)).as("a repeated id: %s", id).isTrue();
          }
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        worker.get(); // rethrows a worker's failed assertion
      }
    }
    assertThat(seen).hasSize(40_000);
  }

  @Test
  void twoRoutersNeverMakeTheSameId() {
    CallIds first = new CallIds(); // two replicas writing to one spend log
    CallIds second = new CallIds();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      assertThat(seen.add(first.next())).isTrue();
      assertThat(seen.add(second.next())).isTrue();
    }
  }
}
