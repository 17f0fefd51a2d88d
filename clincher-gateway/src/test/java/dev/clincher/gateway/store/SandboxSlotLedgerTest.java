package dev.clincher.gateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.gateway.sandbox.DockerTestSupport;
import dev.clincher.gateway.sandbox.Sandbox;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SandboxManager;
import dev.clincher.gateway.sandbox.SandboxSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code sandbox.max_sandboxes} across two gateway instances (two stores, each with its own instance id and lock)
 * sharing one schema of a real PostgreSQL: the ledger alone, then two sandbox managers on the real dockerd.
 */
class SandboxSlotLedgerTest {
  private static final String POOL = "pool-a";

  private final StoreSettings settings = PostgresSupport.freshSchema();
  private Stores first;
  private Stores second;

  @BeforeAll
  static void server() {
    PostgresSupport.requireServer();
  }

  @BeforeEach
  void open() {
    first = Stores.open(settings);
    second = Stores.open(settings);
  }

  @AfterEach
  void close() throws SQLException {
    first.close();
    second.close();
    PostgresSupport.dropSchema(settings.schema());
  }

  private static SandboxSlotLedger ledger(Stores stores) {
    return (SandboxSlotLedger) stores.sandboxSlots();
  }

  @Test
  void theMaximumHoldsAcrossInstancesAndAKeyHasOneSlotWhicheverInstanceHoldsIt() {
    SandboxSlotLedger a = ledger(first);
    SandboxSlotLedger b = ledger(second);
    assertThat(a.claim(POOL, "k1", 3)).isTrue();
    assertThat(a.claim(POOL, "k2", 3)).isTrue();
    assertThat(b.claim(POOL, "k3", 3)).isTrue();
    assertThat(b.claim(POOL, "k4", 3)).isFalse();
    assertThat(a.claim(POOL, "k4", 3)).isFalse();
    assertThat(b.claim("pool-b", "k4", 3)).as("another pool counts apart").isTrue();

    assertThat(a.claim(POOL, "k1", 3)).as("a slot held is held again").isTrue();
    assertThat(b.claim(POOL, "k1", 3)).as("the session moved to b: b takes the slot over").isTrue();
    assertThat(a.held(POOL)).isEqualTo(3);

    a.release(POOL, "k1"); // a no longer holds k1: nothing happens
    assertThat(b.held(POOL)).isEqualTo(3);
    b.release(POOL, "k1");
    assertThat(a.claim(POOL, "k4", 3)).isTrue();
    assertThat(a.held(POOL)).isEqualTo(3);
  }

  @Test
  void concurrentClaimsFromBothInstancesNeverOverAllocate() throws Exception {
    SandboxSlotLedger a = ledger(first);
    SandboxSlotLedger b = ledger(second);
    int max = 5;
    CountDownLatch go = new CountDownLatch(1);
    List<Callable<Boolean>> claims = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      SandboxSlotLedger ledger = i % 2 == 0 ? a : b;
      String key = "k" + i;
      claims.add(() -> {
        go.await();
        return ledger.claim(POOL, key, max);
      });
    }
    ExecutorService threads = Executors.newFixedThreadPool(12);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      claims.forEach(claim -> results.add(threads.submit(claim)));
      go.countDown();
      int granted = 0;
      for (Future<Boolean> result : results) {
        granted += result.get(60, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(granted).isEqualTo(max);
      assertThat(a.held(POOL)).isEqualTo(max);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void theSlotsOfAGoneInstanceAreReclaimedWhenThePoolIsFull() {
    assertThat(ledger(first).claim(POOL, "k1", 2)).isTrue();
    assertThat(ledger(first).claim(POOL, "k2", 2)).isTrue();
    SandboxSlotLedger b = ledger(second);
    assertThat(b.claim(POOL, "k3", 2)).as("the first instance lives").isFalse();

    first.close(); // its instance lock goes, as when its process dies
    assertThat(b.claim(POOL, "k3", 2)).isTrue();
    assertThat(b.claim(POOL, "k4", 2)).isTrue();
    assertThat(b.claim(POOL, "k5", 2)).isFalse();
    assertThat(b.held(POOL)).isEqualTo(2);
    first = Stores.open(settings); // for close()
  }

  @Test
  void twoSandboxManagersOfOneInstanceLabelShareTheMaximum() throws Exception {
    try (DockerTestSupport docker = DockerTestSupport.start()) {
      SandboxSettings sandboxes = docker.settings().withScope(SandboxSettings.Scope.SESSION, 2);
      SandboxManager a = new SandboxManager(docker.proxied, sandboxes, Clock.systemUTC(), new SimpleMeterRegistry(),
          first.sandboxSlots());
      SandboxManager b = new SandboxManager(docker.proxied, sandboxes, Clock.systemUTC(), new SimpleMeterRegistry(),
          second.sandboxSlots());
      Sandbox one = a.open("main", "one");
      b.open("main", "two");
      assertThatThrownBy(() -> a.open("main", "three")).isInstanceOf(SandboxException.class)
          .hasMessage("all 2 sandboxes are in use; try again later or ask the operator to raise "
              + "sandbox.max_sandboxes");
      assertThatThrownBy(() -> b.open("main", "three")).isInstanceOf(SandboxException.class);
      assertThat(a.refusedCount() + b.refusedCount()).isEqualTo(2);
      assertThat(docker.containers()).hasSize(2);

      assertThat(b.open("main", "one").containerId()).as("a session moving keeps its one slot")
          .isNotEqualTo(one.containerId());
      a.remove(sandboxes.key("main", "two")); // a does not hold two: b's slot stays
      assertThatThrownBy(() -> a.open("main", "three")).isInstanceOf(SandboxException.class);
      b.remove(sandboxes.key("main", "two"));
      a.open("main", "three");
      assertThat(docker.containers()).hasSize(2);
      assertThat(ledger(first).held(sandboxes.instance())).isEqualTo(2);
    }
  }
}
