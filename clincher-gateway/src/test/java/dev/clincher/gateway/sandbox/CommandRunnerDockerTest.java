package dev.clincher.gateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.testing.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The sandbox's resident command runner against the real dockerd through the real socket proxy: the same results
 * as the exec path, the same limits, several commands at once, and a runner that the (untrusted) sandbox kills or
 * makes speak garbage is refused with a clear error and replaced by exec, logged once with its rule.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandRunnerDockerTest {
  private DockerTestSupport docker;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private SandboxManager manager;
  private DockerSandbox sandbox;

  @BeforeAll
  void start() throws Exception {
    docker = DockerTestSupport.start();
    manager = new SandboxManager(docker.proxied, docker.settings(), Clock.systemUTC(), registry);
    sandbox = (DockerSandbox) manager.open("main", "runner");
  }

  @AfterAll
  void stop() throws Exception {
    if (docker != null) {
      docker.close();
    }
  }

  private static ExecRequest request(List<String> argv, byte[] stdin, String workdir) {
    return new ExecRequest(argv, stdin, Duration.ofSeconds(20), 1 << 20, workdir);
  }

  private static ExecResult sh(Sandbox sandbox, String command) throws Exception {
    return sandbox.exec(request(List.of("sh", "-c", command), null, null));
  }

  private static String out(ExecResult result) {
    return new String(result.stdout(), StandardCharsets.UTF_8);
  }

  private static String err(ExecResult result) {
    return new String(result.stderr(), StandardCharsets.UTF_8);
  }

  @Test
  void givesTheExecPathsResults() throws Exception {
    List<ExecRequest> requests = List.of(
        request(List.of("true"), null, null),
        request(List.of("false"), null, null),
        request(List.of("sh", "-c", "echo out; echo err >&2; exit 42"), null, null),
        request(List.of("pwd"), null, null),
        request(List.of("pwd"), null, "/tmp"),
        request(List.of("id"), null, null),
        request(List.of("sh", "-c", "env | sort"), null, null),
        request(List.of("env"), null, "/tmp"),
        request(List.of("sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"), null, null),
        request(List.of("sh", "-c", "ulimit -n; umask"), null, null),
        request(List.of("sh", "-c", "yes | head -c 5; echo \" $?\""), null, null),
        request(List.of("cat"), "stdin \u00e9\n".getBytes(StandardCharsets.UTF_8), null),
        request(List.of("cat"), new byte[0], null),
        request(List.of("sh", "-c", "cat; echo end"), null, null),
        request(List.of("printf", "\\000\\377binary"), null, null),
        request(List.of("echo", "a b", "$HOME", "'q'"), null, null));
    for (ExecRequest request : requests) {
      ExecResult viaRunner = sandbox.exec(request);
      ExecResult viaExec = sandbox.execWithDocker(request);
      String what = String.join(" ", request.argv()) + " in " + request.workdir();
      assertThat(viaRunner.exitCode()).as(what).isEqualTo(viaExec.exitCode());
      assertThat(viaRunner.stdout()).as(what + ": " + out(viaRunner)).isEqualTo(viaExec.stdout());
      assertThat(viaRunner.stderr()).as(what + ": " + err(viaRunner)).isEqualTo(viaExec.stderr());
      assertThat(viaRunner.timedOut()).isFalse();
    }
    assertThat(sandbox.usesRunner()).isTrue();
  }

  /** The exec path's wrapper shell adds its own "Terminated" line; the runner reports just the status. */
  @Test
  void aCommandKilledByASignalExitsWith128PlusTheSignal() throws Exception {
    ExecRequest killed = request(List.of("sh", "-c", "echo before; kill -TERM $$"), null, null);
    ExecResult viaRunner = sandbox.exec(killed);
    ExecResult viaExec = sandbox.execWithDocker(killed);
    assertThat(viaRunner.exitCode()).isEqualTo(143).isEqualTo(viaExec.exitCode());
    assertThat(out(viaRunner)).isEqualTo("before\n").isEqualTo(out(viaExec));
    assertThat(err(viaExec)).contains("Terminated");
    assertThat(err(viaRunner)).isEmpty();
  }

  /** The runner has nothing a command lacks: the sandbox's user, no new privileges, no capabilities. */
  @Test
  void theRunnerIsAsUnprivilegedAsAnyCommandAndNothingIsLogged() throws Exception {
    String status = out(sh(sandbox, "grep -E '^(Uid|Gid|NoNewPrivs|CapEff|CapBnd):' "
        + "/proc/$(pidof clincher-runner)/status | tr -s ' \\t' ' '"));
    assertThat(status).contains("Uid: 1000 1000 1000 1000").contains("Gid: 1000 1000 1000 1000")
        .contains("NoNewPrivs: 1").contains("CapEff: 0000000000000000").contains("CapBnd: 0000000000000000");
    var inspect = docker.inspect(sandbox.containerId());
    assertThat(inspect.path("Config").path("OpenStdin").asBoolean()).isTrue();
    assertThat(inspect.path("HostConfig").path("LogConfig").path("Type").asText()).isEqualTo("none");
  }

  @Test
  void aMissingProgramExitsWith127LikeAShellSays() throws Exception {
    ExecRequest missing = request(List.of("no-such-program-here"), null, null);
    assertThat(sandbox.exec(missing).exitCode()).isEqualTo(127).isEqualTo(sandbox.execWithDocker(missing).exitCode());
    assertThat(err(sandbox.exec(missing))).contains("no-such-program-here").contains("not found");
  }

  @Test
  void theTimeoutKillsTheWholeProcessGroupWithItsBackgroundChild() throws Exception {
    ExecResult result = sandbox.exec(new ExecRequest(List.of("sh", "-c", "sleep 201 & echo started; sleep 202; "
        + "echo late"), null, Duration.ofSeconds(1), 1024, null));
    assertThat(result.timedOut()).isTrue();
    assertThat(result.exitCode()).isEqualTo(-1);
    assertThat(out(result)).isEqualTo("started\n");
    String ps = out(sh(sandbox, "ps -o args"));
    for (int i = 0; i < 50 && (ps.contains("sleep 201") || ps.contains("sleep 202")); i++) {
      Thread.sleep(100); // SIGKILL is sent; the processes may take a moment to go
      ps = out(sh(sandbox, "ps -o args"));
    }
    assertThat(ps).doesNotContain("sleep 201").doesNotContain("sleep 202");
    assertThat(sandbox.usesRunner()).isTrue();
  }

  @Test
  void outputIsCappedAndCountedAsOnTheExecPath() throws Exception {
    ExecRequest loud = new ExecRequest(List.of("sh", "-c", "head -c 300000 /dev/zero; head -c 5000 /dev/zero >&2; "
        + "exit 7"), null, Duration.ofSeconds(20), 1000, null);
    ExecResult result = sandbox.exec(loud);
    assertThat(result.stdout()).hasSize(1000);
    assertThat(result.stderr()).hasSize(1000);
    assertThat(result.droppedBytes()).isEqualTo(299_000 + 4_000).isEqualTo(sandbox.execWithDocker(loud).droppedBytes());
    assertThat(result.exitCode()).isEqualTo(7);
  }

  @Test
  void commandsRunSideBySideEachWithItsOwnOutput() throws Exception {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<ExecResult>> results = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        int n = i;
        Callable<ExecResult> call = () -> sh(sandbox, "sleep 0.$((" + n + " % 3)); echo out-" + n
            + "; echo err-" + n + " >&2; exit " + n);
        results.add(pool.submit(call));
      }
      for (int i = 0; i < results.size(); i++) {
        ExecResult result = results.get(i).get();
        assertThat(out(result)).isEqualTo("out-" + i + "\n");
        assertThat(err(result)).isEqualTo("err-" + i + "\n");
        assertThat(result.exitCode()).isEqualTo(i);
      }
    }
    assertThat(sandbox.usesRunner()).isTrue();
  }

  @Test
  void aKilledRunnerFallsBackToExecLoggedOnce() throws Exception {
    DockerSandbox own = (DockerSandbox) manager.open("main", "killed-runner");
    assertThat(out(sh(own, "echo first"))).isEqualTo("first\n");
    assertThat(own.usesRunner()).isTrue();
    try (LogCapture logs = new LogCapture()) {
      assertThatThrownBy(() -> sh(own, "kill -9 $(pidof clincher-runner); sleep 5"))
          .isInstanceOf(SandboxException.class).hasMessageContaining("runner");
      assertThat(own.usesRunner()).isFalse();
      assertThat(out(sh(own, "echo after"))).isEqualTo("after\n");
      assertThat(out(sh(own, "echo again"))).isEqualTo("again\n");
      assertThat(logs.text().lines().filter(line -> line.contains("sandbox.runner_unavailable")).toList())
          .singleElement().asString().contains("rule=runner_gone");
      assertThat(registry.counter("clincher.gateway.sandbox.runner.dropped", "rule", "runner_gone").count())
          .isEqualTo(1.0);
    }
  }

  @Test
  void aRunnerStoppedBetweenCommandsFallsBackWithoutFailingTheNext() throws Exception {
    DockerSandbox own = (DockerSandbox) manager.open("main", "stopped-runner");
    assertThat(out(sh(own, "echo first"))).isEqualTo("first\n");
    // The init shell's watcher is killed first, so no "gone" frame tells the gateway: the next command finds out
    // when the runner does not confirm its start, and runs through exec instead.
    own.execWithDocker(request(List.of("sh", "-c", "r=$(pidof clincher-runner); kill -9 $(cut -d' ' -f4 /proc/$r/stat) $r"),
        null, null));
    assertThat(out(sh(own, "echo after"))).isEqualTo("after\n");
    assertThat(own.usesRunner()).isFalse();
  }

  @Test
  void garbageFromTheSandboxIsRefusedAndTheGatewaySurvives() throws Exception {
    String[][] attacks = {
        {"unknown-type", "\\377\\0\\0\\0\\1\\0\\0\\0\\0", "unknown frame type 255"},
        {"lying-length", "O\\0\\0\\0\\1\\177\\377\\377\\377", "2147483647 bytes"},
        {"huge-hello", "H\\0\\0\\0\\0\\0\\1\\0\\0", "65536 bytes"},
        {"short-exit", "X\\0\\0\\0\\1\\0\\0\\0\\1A", "with 1 bytes"}};
    for (String[] attack : attacks) {
      DockerSandbox own = (DockerSandbox) manager.open("main", "garbage-" + attack[0]);
      assertThat(out(sh(own, "echo before"))).isEqualTo("before\n");
      try (LogCapture logs = new LogCapture()) {
        assertThatThrownBy(() -> sh(own, "printf '" + attack[1] + "' > /proc/$(pidof clincher-runner)/fd/1; "
            + "sleep 5")).as(attack[0]).isInstanceOf(SandboxException.class).hasMessageContaining(attack[2]);
        assertThat(own.usesRunner()).isFalse();
        assertThat(out(sh(own, "echo after"))).as(attack[0]).isEqualTo("after\n");
        assertThat(logs.text()).contains("rule=runner_protocol");
      }
      manager.remove(docker.settings().key("main", "garbage-" + attack[0]));
    }
    assertThat(out(sh(sandbox, "echo unaffected"))).isEqualTo("unaffected\n");
    assertThat(sandbox.usesRunner()).isTrue();
  }
}
