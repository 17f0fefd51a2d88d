package dev.clincher.egress.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.clincher.common.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AclWatcherTest {
  private static final Duration NO_POLLING = Duration.ZERO;
  private static final Duration FAST_POLL = Duration.ofMillis(10);
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @TempDir Path dir;
  private Path file;
  private AclWatcher watcher;

  @BeforeEach
  void writeFirstPolicy() throws IOException {
    file = dir.resolve("acl.yaml");
    Files.writeString(file, policyAllowing("first.example"));
  }

  @AfterEach
  void closeWatcher() {
    if (watcher != null) {
      watcher.close();
    }
  }

  @Test
  void startLoadsTheFileAsVersionOne() throws Exception {
    watcher = AclWatcher.start(file, NO_POLLING);
    assertThat(watcher.version()).isEqualTo(1);
    assertThat(allows("first.example")).isTrue();
    assertThat(watcher.reloadsSucceeded()).isZero();
    assertThat(watcher.reloadsFailed()).isZero();
    assertThat(watcher.lastFailure()).isEmpty();
    assertThat(watcher.file()).isEqualTo(file);
  }

  @Test
  void startFailsOnABrokenFile() throws Exception {
    Files.writeString(file, "version: v2\nservices: []\n");
    assertThatThrownBy(() -> AclWatcher.start(file, NO_POLLING))
        .isInstanceOf(ConfigException.class).hasMessageContaining("version");
  }

  @Test
  void reloadSwapsInAGoodFileAndTellsListeners() throws Exception {
    watcher = AclWatcher.start(file, NO_POLLING);
    List<Acl> seen = new CopyOnWriteArrayList<>();
    watcher.addListener(seen::add);
    Acl before = watcher.current();

    Files.writeString(file, policyAllowing("second.example"));
    assertThat(watcher.reload()).isTrue();

    assertThat(watcher.current()).isNotSameAs(before);
    assertThat(allows("second.example")).isTrue();
    assertThat(allows("first.example")).isFalse();
    assertThat(before.decide(null, "first.example").allowed()).as("old ACL objects never change").isTrue();
    assertThat(watcher.version()).isEqualTo(2);
    assertThat(watcher.reloadsSucceeded()).isEqualTo(1);
    assertThat(seen).containsExactly(watcher.current());
  }

  @Test
  void reloadWithABrokenFileKeepsTheOldPolicy() throws Exception {
    watcher = AclWatcher.start(file, NO_POLLING);
    Acl before = watcher.current();

    Files.writeString(file, "version: v1\nservices: []\ndefault: {action: enforce, allowed_domains: [\"*\"]}\n");
    assertThat(watcher.reload()).isFalse();

    assertThat(watcher.current()).isSameAs(before);
    assertThat(watcher.version()).isEqualTo(1);
    assertThat(watcher.reloadsFailed()).isEqualTo(1);
    assertThat(watcher.lastFailure()).get().asString()
        .contains("default.allowed_domains[0]").contains("must not match everything");

    Files.writeString(file, policyAllowing("fixed.example"));
    assertThat(watcher.reload()).isTrue();
    assertThat(watcher.lastFailure()).isEmpty();
    assertThat(watcher.version()).isEqualTo(2);
  }

  @Test
  void reloadOfUnchangedContentKeepsTheVersion() throws Exception {
    watcher = AclWatcher.start(file, NO_POLLING);
    Acl before = watcher.current();
    assertThat(watcher.reload()).isTrue();
    assertThat(watcher.current()).isSameAs(before);
    assertThat(watcher.version()).isEqualTo(1);
    assertThat(watcher.reloadsSucceeded()).isZero();
  }

  @Test
  void pollSeesAnInPlaceEdit() throws Exception {
    watcher = AclWatcher.start(file, NO_POLLING);
    assertThat(watcher.pollOnce()).as("nothing changed yet").isFalse();

    Files.writeString(file, policyAllowing("other.example")); // same length as first.example
    // File times move in clock ticks; make sure this edit does not share a tick with the first write.
    Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2_000));

    assertThat(watcher.pollOnce()).isTrue();
    assertThat(allows("other.example")).isTrue();
  }

  @Test
  void pollHashesEveryTenthTimeEvenWhenTheStampLooksUnchanged() throws Exception {
    watcher = AclWatcher.start(file, NO_POLLING);
    FileTime time = Files.getLastModifiedTime(file);
    Files.writeString(file, policyAllowing("other.example"));
    Files.setLastModifiedTime(file, time); // same size, same time, same inode: only the content differs

    boolean swapped = false;
    for (int i = 0; i < 10 && !swapped; i++) {
      swapped = watcher.pollOnce();
    }
    assertThat(swapped).isTrue();
    assertThat(allows("other.example")).isTrue();
  }

  @Test
  void pollSeesAnAtomicRenameOverTheFile() throws Exception {
    watcher = AclWatcher.start(file, NO_POLLING);
    Path temporary = dir.resolve(".acl.yaml.swp");
    Files.writeString(temporary, policyAllowing("renamed.example"));
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

    assertThat(watcher.pollOnce()).isTrue();
    assertThat(allows("renamed.example")).isTrue();
  }

  @Test
  void pollSeesAKubernetesStyleSymlinkSwap() throws Exception {
    // A ConfigMap volume: acl.yaml -> ..data/acl.yaml, ..data -> ..2024_01_01; an update renames a new ..data link.
    Path mount = dir.resolve("mount");
    Files.createDirectories(mount.resolve("..v1"));
    Files.createDirectories(mount.resolve("..v2"));
    Files.writeString(mount.resolve("..v1/acl.yaml"), policyAllowing("v1.example"));
    Files.writeString(mount.resolve("..v2/acl.yaml"), policyAllowing("v2.example"));
    Files.createSymbolicLink(mount.resolve("..data"), Path.of("..v1"));
    Path linked = mount.resolve("acl.yaml");
    Files.createSymbolicLink(linked, Path.of("..data/acl.yaml"));

    watcher = AclWatcher.start(linked, NO_POLLING);
    assertThat(allows("v1.example")).isTrue();

    Files.createSymbolicLink(mount.resolve("..data_tmp"), Path.of("..v2"));
    Files.move(mount.resolve("..data_tmp"), mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

    assertThat(watcher.pollOnce()).isTrue();
    assertThat(allows("v2.example")).isTrue();
  }

  @Test
  void aMissingFileKeepsThePolicyAndIsReportedOnce() throws Exception {
    watcher = AclWatcher.start(file, NO_POLLING);
    Files.delete(file);

    assertThat(watcher.pollOnce()).isFalse();
    assertThat(watcher.pollOnce()).isFalse();
    for (int i = 0; i < 20; i++) {
      watcher.pollOnce();
    }
    assertThat(watcher.reloadsFailed()).as("one failure, not one per poll").isEqualTo(1);
    assertThat(watcher.lastFailure()).get().asString().contains("file does not exist");
    assertThat(allows("first.example")).isTrue();

    Files.writeString(file, policyAllowing("back.example"));
    assertThat(watcher.pollOnce()).isTrue();
    assertThat(allows("back.example")).isTrue();
  }

  @Test
  void aThrowingListenerDoesNotUndoTheSwapOrStopOtherListeners() throws Exception {
    watcher = AclWatcher.start(file, NO_POLLING);
    List<Acl> seen = new CopyOnWriteArrayList<>();
    watcher.addListener(acl -> {
      throw new IllegalStateException("listener bug");
    });
    watcher.addListener(seen::add);

    Files.writeString(file, policyAllowing("second.example"));
    assertThat(watcher.reload()).isTrue();
    assertThat(allows("second.example")).isTrue();
    assertThat(seen).hasSize(1);
  }

  @Test
  void backgroundPollerPicksUpChangesAndIgnoresBrokenOnes() throws Exception {
    watcher = AclWatcher.start(file, FAST_POLL);
    assertThat(watcher.pollInterval()).isEqualTo(FAST_POLL);

    replaceAtomically(policyAllowing("second.example"));
    await(() -> watcher.version() == 2);
    assertThat(allows("second.example")).isTrue();

    replaceAtomically("version: v1\nservices: [\n");
    await(() -> watcher.reloadsFailed() == 1);
    assertThat(allows("second.example")).as("broken file keeps the old policy").isTrue();

    replaceAtomically(policyAllowing("third.example"));
    await(() -> watcher.version() == 3);
    assertThat(allows("third.example")).isTrue();
    assertThat(watcher.reloadsSucceeded()).isEqualTo(2);
    assertThat(watcher.reloadsFailed()).isEqualTo(1);
  }

  @Test
  void closeStopsThePoller() throws Exception {
    watcher = AclWatcher.start(file, FAST_POLL);
    watcher.close();
    replaceAtomically(policyAllowing("late.example"));
    Thread.sleep(FAST_POLL.multipliedBy(10));
    assertThat(watcher.version()).isEqualTo(1);
    assertThat(allows("first.example")).as("the last ACL stays readable").isTrue();
    watcher.close(); // idempotent
  }

  @Test
  void defaultPollIntervalIsOneSecond() throws Exception {
    watcher = AclWatcher.start(file);
    assertThat(watcher.pollInterval()).isEqualTo(Duration.ofSeconds(1));
  }

  private boolean allows(String host) {
    return watcher.current().decide(null, host).allowed();
  }

  private void replaceAtomically(String content) throws IOException {
    Path temporary = Files.createTempFile(dir, "acl", ".tmp");
    Files.writeString(temporary, content);
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String policyAllowing(String host) {
    return """
        version: v1
        services: []
        default:
          project: test
          action: enforce
          allowed_domains:
            - %s
        """.formatted(host);
  }

  /** Waits until {@code condition} holds, checking every few milliseconds; fails after {@link #PATIENCE}. */
  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("condition not met within " + PATIENCE);
      }
      Thread.sleep(5);
    }
  }
}
