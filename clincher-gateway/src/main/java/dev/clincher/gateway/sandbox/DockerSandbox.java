package dev.clincher.gateway.sandbox;

import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerException;
import dev.clincher.gateway.sandbox.docker.StreamDemuxer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox container reached through the Docker API. Each command runs as its own exec instance under a tiny
 * wrapper that writes the shell's PID to {@code /tmp/.clincher-exec/<id>}; Docker has no call to kill an exec, so
 * on timeout the output connection is closed and a second exec sends SIGKILL to that process group (the wrapper
 * shell and everything it started that did not leave the group), then to the PID itself. The sandbox's limits
 * remain the real bound for a process that escapes its group.
 */
final class DockerSandbox implements Sandbox {
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

  /**
   * @param onUse called at the start and end of every command (the idle clock)
   * @param onGone called when Docker says the container no longer exists or is not running
   */
  DockerSandbox(DockerClient docker, String containerId, String user, Runnable onUse, Runnable onGone) {
    this.docker = docker;
    this.containerId = containerId;
    this.user = user;
    this.onUse = onUse;
    this.onGone = onGone;
  }

  @Override
  public String containerId() {
    return containerId;
  }

  @Override
  public ExecResult exec(ExecRequest request) throws SandboxException, InterruptedException {
    onUse.run();
    long started = System.nanoTime();
    String pidFile = PID_DIR + "/" + UUID.randomUUID();
    List<String> argv = new ArrayList<>(List.of("sh", "-c", WRAPPER, pidFile));
    argv.addAll(request.argv());
    String workdir = request.workdir() == null ? Sandbox.WORKSPACE : request.workdir();
    try {
      String execId = docker.createExec(containerId, argv, user, workdir, request.stdin() != null);
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
    } finally {
      onUse.run();
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
