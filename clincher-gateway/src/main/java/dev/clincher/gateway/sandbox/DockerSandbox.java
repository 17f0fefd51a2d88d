package dev.clincher.gateway.sandbox;

import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerException;
import dev.clincher.gateway.sandbox.docker.StreamDemuxer;
import dev.clincher.gateway.sandbox.runner.CommandRunner;
import dev.clincher.gateway.sandbox.runner.RunnerException;
import dev.clincher.gateway.sandbox.runner.RunnerResult;
import dev.clincher.gateway.sandbox.runner.RunnerUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox container reached through the Docker API. Commands go to the container's resident command runner
 * ({@link CommandRunner}, over a Docker attach connection) while it answers; when it cannot take a command it has not
 * started (missing from the image, gone, unresponsive, busy) the command runs as a Docker exec instead, and a runner
 * that is gone stays dropped (logged once, {@code sandbox.runner_unavailable} with its rule).
 *
 * <p>On the exec path each command runs as its own exec instance under a tiny
 * wrapper that writes the shell's PID to {@code /tmp/.clincher-exec/<id>}; Docker has no call to kill an exec, so
 * on timeout the output connection is closed and a second exec sends SIGKILL to that process group (the wrapper
 * shell and everything it started that did not leave the group), then to the PID itself. The sandbox's limits
 * remain the real bound for a process that escapes its group.
 */
final class DockerSandbox implements Sandbox, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DockerSandbox.class);
  private static final String PID_DIR = "/tmp/.clincher-exec";
  private static final String WRAPPER = "mkdir -p " + PID_DIR + " && echo $$ > \"$0\" || exit 125; \"$@\"; s=$?; "
      + "rm -f \"$0\"; exit $s";
  private static final String KILLER = "p=$(cat \"$0\" 2>/dev/null) || exit 0; kill -KILL -\"$p\" 2>/dev/null; "
      + "kill -KILL \"$p\" 2>/dev/null; rm -f \"$0\"; exit 0";

  private final DockerClient docker;
  private final String containerId;
  private final String user;
  private final Runnable onUse;
  private final Runnable onGone;
  private final Consumer<String> onRunnerDropped;
  /** The container's command runner; empty once it is gone (then every command is an exec). */
  private final AtomicReference<CommandRunner> runner;

  /**
   * @param runner the container's command runner, {@code null} for exec only
   * @param onUse called at the start and end of every command (the idle clock)
   * @param onGone called when Docker says the container no longer exists or is not running
   * @param onRunnerDropped called once with the rule when the sandbox stops using its runner (for the metric)
   */
  DockerSandbox(DockerClient docker, String containerId, String user, CommandRunner runner, Runnable onUse,
      Runnable onGone, Consumer<String> onRunnerDropped) {
    this.docker = docker;
    this.containerId = containerId;
    this.user = user;
    this.runner = new AtomicReference<>(runner);
    this.onUse = onUse;
    this.onGone = onGone;
    this.onRunnerDropped = onRunnerDropped;
  }

  /** Whether commands currently go to the command runner (the runner has not been dropped). */
  boolean usesRunner() {
    return runner.get() != null;
  }

  /**
   * Whether the runner's attach stream is open and answering: Docker ends that stream when the container stops or is
   * removed, so while it is open the container runs.
   */
  boolean attached() {
    CommandRunner current = runner.get();
    return current != null && current.ready();
  }

  @Override
  public String containerId() {
    return containerId;
  }

  @Override
  public ExecResult exec(ExecRequest request) throws SandboxException, InterruptedException {
    onUse.run();
    long started = System.nanoTime();
    try {
      CommandRunner current = runner.get();
      if (current != null) {
        try {
          RunnerResult result = current.run(request.argv(), request.stdin(), workdir(request), request.outputCap(),
              request.timeout());
          StreamDemuxer.Output output = result.output();
          return new ExecResult(result.exitCode(), output.stdout(), output.stderr(), output.droppedBytes(),
              result.timedOut(), Duration.ofNanos(System.nanoTime() - started));
        } catch (RunnerUnavailableException e) {
          if (e.permanent()) {
            dropRunner(current, e);
          }
        } catch (RunnerException e) {
          dropRunner(current, e);
          throw new SandboxException("the sandbox command failed: " + e.getMessage(), e);
        }
      }
      return execOnce(request, started);
    } finally {
      onUse.run();
    }
  }

  /** Stops using the runner (the first caller logs why), and closes its connection. */
  private void dropRunner(CommandRunner current, RunnerException reason) {
    if (runner.compareAndSet(current, null)) {
      LOG.warn("sandbox.runner_unavailable container={} rule={} reason=\"{}\" fallback=exec",
          containerId.substring(0, 12), reason.rule(), reason.getMessage());
      onRunnerDropped.accept(reason.rule());
      current.close();
    }
  }

  private static String workdir(ExecRequest request) {
    return request.workdir() == null ? Sandbox.WORKSPACE : request.workdir();
  }

  /** Closes the runner's connection (the container is being removed or forgotten). */
  @Override
  public void close() {
    CommandRunner current = runner.getAndSet(null);
    if (current != null) {
      current.close();
    }
  }

  /** One command as a Docker exec, whether or not the runner answers (tests compare both paths). */
  ExecResult execWithDocker(ExecRequest request) throws SandboxException, InterruptedException {
    return execOnce(request, System.nanoTime());
  }

  /** One command as a Docker exec. */
  private ExecResult execOnce(ExecRequest request, long started) throws SandboxException, InterruptedException {
    String pidFile = PID_DIR + "/" + UUID.randomUUID();
    List<String> argv = new ArrayList<>(List.of("sh", "-c", WRAPPER, pidFile));
    argv.addAll(request.argv());
    try {
      String execId = docker.createExec(containerId, argv, user, workdir(request), request.stdin() != null);
      DockerClient.ExecOutput out = docker.startExec(execId, request.stdin(), request.outputCap(), request.timeout());
      StreamDemuxer.Output output = out.output();
      int exit = out.timedOut() ? killQuietly(pidFile) : exitCode(execId);
      return new ExecResult(exit, output.stdout(), output.stderr(), output.droppedBytes(), out.timedOut(),
          Duration.ofNanos(System.nanoTime() - started));
    } catch (DockerException e) {
      if (e.status() == 404 || e.status() == 409) {
        onGone.run();
        throw new SandboxException("the sandbox container is gone or stopped; the next call gets a new one", e);
      }
      throw new SandboxException("the sandbox command failed: " + e.getMessage(), e);
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        killQuietly(pidFile);
        throw new InterruptedException("the command was aborted and killed");
      }
      throw new SandboxException("the sandbox command failed: " + e.getMessage(), e);
    }
  }

  /**
   * Kills the timed-out or aborted command's process group, best effort (a sandbox at its PID limit may not start
   * the killer; its limits still bound the command). Returns the exit code of a killed command, -1. Runs even when
   * the thread was interrupted, keeping the interrupt.
   */
  private int killQuietly(String pidFile) {
    boolean interrupted = Thread.interrupted();
    try {
      String execId = docker.createExec(containerId, List.of("sh", "-c", KILLER, pidFile), user, "/", false);
      docker.startExec(execId, null, 4096, Duration.ofSeconds(10));
    } catch (IOException | InterruptedException e) {
      LOG.warn("sandbox.kill_failed container={} reason={}", containerId.substring(0, 12), e.getMessage());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return -1;
  }

  /** Docker may report the exec as running for a moment after its stream ended; polls briefly (bounded). */
  private int exitCode(String execId) throws IOException, InterruptedException {
    for (int attempt = 0; attempt < 50; attempt++) {
      var inspect = docker.inspectExec(execId);
      if (!inspect.path("Running").asBoolean(false)) {
        return inspect.path("ExitCode").asInt(-1);
      }
      Thread.sleep(20);
    }
    return -1;
  }
}
