package dev.clincher.gateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.clincher.cache.testing.ManualClock;
import dev.clincher.common.testing.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slot bookkeeping both sandbox backends share, on a backend that only records what it is asked (defaults: 12 h
 * idle timeout, 3 d maximum age).
 */
class SlotTableTest {
  private static final Logger LOG = LoggerFactory.getLogger("test.slot-table");
  private static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");

  private final ManualClock clock = new ManualClock(T0);
  private final RecordingBackend backend = new RecordingBackend();
  private final AtomicInteger created = new AtomicInteger();

  @Test
  void concurrentFirstUsesOfAKeyCreateOneSandbox() throws Exception {
    SlotTable<FakeSandbox> table = table(8, SandboxSlots.THIS_PROCESS_ONLY);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<FakeSandbox>> opened = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        opened.add(threads.submit(() -> {
          go.await();
          return table.open("k", this::slowCreate);
        }));
      }
      go.countDown();
      Set<String> ids = new HashSet<>();
      for (Future<FakeSandbox> future : opened) {
        ids.add(future.get(10, TimeUnit.SECONDS).containerId());
      }
      assertThat(ids).containsExactly("k#1");
      assertThat(created).hasValue(1);
      assertThat(table.size()).isEqualTo(1);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void theMaximumOfThisProcessRefusesANewKeyUntilOneIsForgotten() throws Exception {
    SlotTable<FakeSandbox> table = table(2, SandboxSlots.THIS_PROCESS_ONLY);
    table.open("a", this::create);
    table.open("b", this::create);
    assertThat(table.open("a", this::create).containerId()).isEqualTo("a#1"); // a key held is no new slot

    assertThatThrownBy(() -> table.open("c", this::create)).isInstanceOf(SandboxException.class)
        .hasMessage("all 2 sandboxes are in use; try again later or ask the operator to raise "
            + "sandbox.max_sandboxes");
    assertThat(backend.refusals).containsExactly("c:this_instance");
    assertThat(table.size()).isEqualTo(2);

    List<String> lastUses = new ArrayList<>();
    table.forget("a", sandbox -> lastUses.add(sandbox.containerId()));
    assertThat(lastUses).containsExactly("a#1");
    assertThat(backend.closed).containsExactly("a#1");
    assertThat(table.open("c", this::create).containerId()).isEqualTo("c#3");
    table.forget("unknown", sandbox -> lastUses.add("never"));
    assertThat(lastUses).containsExactly("a#1");
  }

  @Test
  void theSharedCountRefusesWhenOtherGatewaysHoldEverySlotAndGetsSlotsBack() throws Exception {
    InMemorySlots shared = new InMemorySlots();
    shared.claim("pool", "theirs-1", 2);
    shared.claim("pool", "theirs-2", 2);
    SlotTable<FakeSandbox> table = table(2, shared);

    assertThatThrownBy(() -> table.open("mine", this::create)).isInstanceOf(SandboxException.class)
        .hasMessageStartingWith("all 2 sandboxes are in use");
    assertThat(backend.refusals).containsExactly("mine:all_instances");
    assertThat(table.size()).isZero();
    assertThat(created).hasValue(0);

    shared.release("pool", "theirs-1");
    table.open("mine", this::create);
    assertThat(shared.held).contains("mine");
    table.forget("mine", sandbox -> {});
    assertThat(shared.held).containsExactly("theirs-2");
  }

  @Test
  void aFailedCreationFreesTheSlotHereAndInTheSharedCount() throws Exception {
    InMemorySlots shared = new InMemorySlots();
    SlotTable<FakeSandbox> table = table(1, shared);
    assertThatThrownBy(() -> table.open("k", (slot, now) -> {
      throw new SandboxException("cannot create the sandbox: boom");
    })).hasMessage("cannot create the sandbox: boom");
    assertThat(table.size()).isZero();
    assertThat(shared.held).isEmpty();
    assertThat(table.open("k", this::create).containerId()).isEqualTo("k#1");
  }

  @Test
  void reapRemovesSandboxesIdlePastTheTimeoutAndLogsOnce() throws Exception {
    SlotTable<FakeSandbox> table = table(8, SandboxSlots.THIS_PROCESS_ONLY);
    table.open("old", this::create);
    clock.advance(Duration.ofHours(1));
    table.open("recent", this::create);
    clock.advance(Duration.ofHours(11).plusMinutes(30)); // old idle 12.5 h, recent 11.5 h

    try (LogCapture logs = new LogCapture()) {
      assertThat(table.reap()).containsExactly("old");
      assertThat(lines(logs)).containsExactly("sandbox.reaped key=old idle=PT12H30M age=PT12H30M");
    }
    assertThat(backend.removed).containsExactly("old#1");
    assertThat(backend.reaped).containsExactly("old");
    assertThat(backend.closed).containsExactly("old#1");
    assertThat(table.size()).isEqualTo(1);
    assertThat(table.reap()).isEmpty();
  }

  @Test
  void reapRemovesSandboxesOlderThanTheMaximumAgeThoughInUse() throws Exception {
    SlotTable<FakeSandbox> table = table(8, SandboxSlots.THIS_PROCESS_ONLY);
    table.open("busy", this::create);
    for (int hours = 10; hours <= 70; hours += 10) {
      clock.advance(Duration.ofHours(10));
      table.open("busy", this::create);
      assertThat(table.reap()).as("after %d h", hours).isEmpty();
    }
    clock.advance(Duration.ofHours(3)); // 73 h old, 3 h idle
    assertThat(table.reap()).containsExactly("busy");
    assertThat(created).hasValue(1);
  }

  @Test
  void aSandboxThatCannotBeRemovedStaysHeldAndIsReapedNextTime() throws Exception {
    SlotTable<FakeSandbox> table = table(8, SandboxSlots.THIS_PROCESS_ONLY);
    table.open("k", this::create);
    clock.advance(Duration.ofHours(13));
    backend.failRemoval = true;
    try (LogCapture logs = new LogCapture()) {
      assertThat(table.reap()).isEmpty();
      assertThat(lines(logs)).containsExactly("sandbox.reap_failed key=k reason=the API is down");
    }
    assertThat(table.size()).isEqualTo(1);
    backend.failRemoval = false;
    assertThat(table.reap()).containsExactly("k");
    assertThat(table.size()).isZero();
  }

  @Test
  void useByTheSandboxKeepsItFromBeingReaped() throws Exception {
    SlotTable<FakeSandbox> table = table(8, SandboxSlots.THIS_PROCESS_ONLY);
    List<SlotTable.Slot<FakeSandbox>> slots = new ArrayList<>();
    table.open("k", (slot, now) -> {
      slots.add(slot);
      return create(slot, now);
    });
    clock.advance(Duration.ofHours(11));
    slots.getFirst().used(clock.instant()); // a command ran: the backend's sandbox says so
    clock.advance(Duration.ofHours(11));
    assertThat(table.reap()).isEmpty();
  }

  @Test
  void aGoneSandboxFreesItsSlotAndTheNextOpenCreatesAnother() throws Exception {
    InMemorySlots shared = new InMemorySlots();
    SlotTable<FakeSandbox> table = table(8, shared);
    List<SlotTable.Slot<FakeSandbox>> slots = new ArrayList<>();
    SlotTable.Creator<FakeSandbox> remembering = (slot, now) -> {
      slots.add(slot);
      return create(slot, now);
    };
    table.open("k", remembering);

    table.gone(slots.getFirst(), "some-other-id");
    assertThat(table.size()).isEqualTo(1);

    try (LogCapture logs = new LogCapture()) {
      table.gone(slots.getFirst(), "k#1");
      assertThat(lines(logs)).containsExactly("sandbox.gone key=k sandbox=k#1");
    }
    assertThat(table.size()).isZero();
    assertThat(shared.held).isEmpty();
    assertThat(backend.closed).containsExactly("k#1");
    assertThat(table.open("k", remembering).containerId()).isEqualTo("k#2");
  }

  @Test
  void anUnusableSandboxIsReplacedWithoutClosingIt() throws Exception {
    SlotTable<FakeSandbox> table = table(8, SandboxSlots.THIS_PROCESS_ONLY);
    table.open("k", this::create);
    backend.unusable.add("k#1");
    assertThat(table.open("k", this::create).containerId()).isEqualTo("k#2");
    assertThat(backend.closed).isEmpty();
    assertThat(table.size()).isEqualTo(1);
  }

  @Test
  void adoptionTakesOverOnceAndRespectsBothMaximums() throws Exception {
    InMemorySlots shared = new InMemorySlots();
    SlotTable<FakeSandbox> table = table(2, shared);
    Instant made = T0.minus(Duration.ofDays(4));

    assertThat(table.adopt("a", made, slot -> new FakeSandbox("a#left"))).isTrue();
    assertThat(table.adopt("a", made, slot -> new FakeSandbox("a#again"))).isFalse();
    assertThat(table.open("a", this::create).containerId()).isEqualTo("a#left");
    assertThat(created).hasValue(0);

    shared.claim("pool", "theirs", 2);
    assertThat(table.adopt("b", T0, slot -> new FakeSandbox("b#left"))).isFalse();
    assertThat(shared.held).containsExactlyInAnyOrder("a", "theirs");

    assertThat(table.reap()).as("adopted at its label's creation time: past the maximum age")
        .containsExactly("a");
  }

  private SlotTable<FakeSandbox> table(int max, SandboxSlots shared) {
    SandboxSettings settings = SandboxSettings.defaults().withScope(SandboxSettings.Scope.SESSION, max)
        .withInstance("pool");
    return new SlotTable<>(settings, clock, shared, backend, LOG);
  }

  private FakeSandbox create(SlotTable.Slot<FakeSandbox> slot, Instant now) {
    return new FakeSandbox(slot.key() + "#" + created.incrementAndGet());
  }

  private FakeSandbox slowCreate(SlotTable.Slot<FakeSandbox> slot, Instant now) throws InterruptedException {
    Thread.sleep(50); // long enough for the other callers to wait on the slot
    return create(slot, now);
  }

  private static List<String> lines(LogCapture logs) {
    return logs.events().stream().filter(e -> e.getLoggerName().equals(LOG.getName()))
        .map(ILoggingEvent::getFormattedMessage).toList();
  }

  private record FakeSandbox(String containerId) implements Sandbox {
    @Override
    public ExecResult exec(ExecRequest request) {
      throw new UnsupportedOperationException("the table never runs commands");
    }
  }

  /** Records what the table asks of its backend. */
  private static final class RecordingBackend implements SlotTable.Backend<FakeSandbox> {
    final List<String> removed = new CopyOnWriteArrayList<>();
    final List<String> closed = new CopyOnWriteArrayList<>();
    final List<String> refusals = new CopyOnWriteArrayList<>();
    final List<String> reaped = new CopyOnWriteArrayList<>();
    final Set<String> unusable = new HashSet<>();
    volatile boolean failRemoval;

    @Override
    public void remove(FakeSandbox sandbox) throws SandboxException {
      if (failRemoval) {
        throw new SandboxException("the API is down");
      }
      removed.add(sandbox.containerId());
    }

    @Override
    public String describe(FakeSandbox sandbox) {
      return "sandbox=" + sandbox.containerId();
    }

    @Override
    public void refused(String key, String counted) {
      refusals.add(key + ":" + counted);
    }

    @Override
    public boolean usable(String key, FakeSandbox sandbox) {
      return !unusable.contains(sandbox.containerId());
    }

    @Override
    public void close(FakeSandbox sandbox) {
      closed.add(sandbox.containerId());
    }

    @Override
    public void reaped(String key) {
      reaped.add(key);
    }
  }

  /** The shared count as the PostgreSQL ledger keeps it, for one pool, in memory. */
  private static final class InMemorySlots implements SandboxSlots {
    final Set<String> held = java.util.Collections.synchronizedSet(new HashSet<>());

    @Override
    public boolean claim(String pool, String key, int max) {
      synchronized (held) {
        if (held.contains(key)) {
          return true;
        }
        if (held.size() >= max) {
          return false;
        }
        return held.add(key);
      }
    }

    @Override
    public void release(String pool, String key) {
      held.remove(key);
    }
  }
}
