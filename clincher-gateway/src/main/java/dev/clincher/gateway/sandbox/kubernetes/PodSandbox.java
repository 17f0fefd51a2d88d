package dev.clincher.gateway.sandbox.kubernetes;

import dev.clincher.gateway.sandbox.ExecRequest;
import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.Sandbox;
import dev.clincher.gateway.sandbox.SandboxException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sandbox pod reached through the API server's exec (a WebSocket per command). Kubernetes exec has no working
 * directory and no call to kill a command, so each command runs under a small wrapper that changes directory and
 * writes its shell's PID to {@code /tmp/.clincher-exec/<id>}; on timeout or abort a second exec kills that process
 * group. The pod's limits remain the bound for a process that leaves its group.
 */
final class PodSandbox implements Sandbox {
  private static final Logger LOG = LoggerFactory.getLogger(PodSandbox.class);
  private static final String PID_DIR = "/tmp/.clincher-exec";
  /** $0 the PID file, $1 the working directory, then the command. */
  private static final String WRAPPER = "cd \"$1\" || exit 125; shift; mkdir -p " + PID_DIR
      + " && echo $$ > \"$0\" || exit 125; \"$@\"; s=$?; rm -f \"$0\"; exit $s";
  private static final String KILLER = "p=$(cat \"$0\" 2>/dev/null) || exit 0; kill -KILL -\"$p\" 2>/dev/null; "
      + "kill -KILL \"$p\" 2>/dev/null; rm -f \"$0\"; exit 0";

  private final KubernetesClient client;
  private final String namespace;
  private final String podName;
  private final Runnable onUse;
  private final Runnable onGone;
  private final Supplier<String> execIds;

  /**
   * @param onUse called at the start and end of every command (the idle clock)
   * @param onGone called when the API server says the pod no longer exists
   */
  PodSandbox(KubernetesClient client, String namespace, String podName, Runnable onUse, Runnable onGone) {
    this(client, namespace, podName, onUse, onGone, () -> UUID.randomUUID().toString());
  }

  /** With {@code execIds} naming each command's PID file (tests fix them to match the exec request). */
  PodSandbox(KubernetesClient client, String namespace, String podName, Runnable onUse, Runnable onGone,
      Supplier<String> execIds) {
    this.execIds = execIds;
    this.client = client;
    this.namespace = namespace;
    this.podName = podName;
    this.onUse = onUse;
    this.onGone = onGone;
  }

  /** The pod's name (the Docker backend returns the container ID here). */
  @Override
  public String containerId() {
    return podName;
  }

  @Override
  public ExecResult exec(ExecRequest request) throws SandboxException, InterruptedException {
    onUse.run();
    long started = System.nanoTime();
    String pidFile = PID_DIR + "/" + execIds.get();
    List<String> argv = new ArrayList<>(List.of("sh", "-c", WRAPPER, pidFile,
        request.workdir() == null ? Sandbox.WORKSPACE : request.workdir()));
    argv.addAll(request.argv());
    CappedOutput stdout = new CappedOutput(request.outputCap());
    CappedOutput stderr = new CappedOutput(request.outputCap());
    try (ExecWatch watch = start(argv, request.stdin() != null, stdout, stderr)) {
      if (request.stdin() != null) {
        try (OutputStream input = watch.getInput()) {
          input.write(request.stdin());
        }
      }
      Integer exit = watch.exitCode().get(request.timeout().toMillis(), TimeUnit.MILLISECONDS);
      return result(exit == null ? -1 : exit, stdout, stderr, false, started);
    } catch (TimeoutException e) {
      kill(pidFile);
      return result(-1, stdout, stderr, true, started);
    } catch (InterruptedException e) {
      kill(pidFile);
      throw new InterruptedException("the command was aborted and killed");
    } catch (ExecutionException e) {
      throw failure(e.getCause());
    } catch (KubernetesClientException | IOException e) {
      throw failure(e);
    } finally {
      onUse.run();
    }
  }

  private ExecWatch start(List<String> argv, boolean stdin, OutputStream stdout, OutputStream stderr) {
    PodResource pod = client.pods().inNamespace(namespace).withName(podName);
    var container = pod.inContainer(PodSpec.CONTAINER);
    var streams = stdin ? container.redirectingInput().writingOutput(stdout).writingError(stderr)
        : container.writingOutput(stdout).writingError(stderr);
    return streams.exec(argv.toArray(String[]::new));
  }

  private SandboxException failure(Throwable cause) {
    if (cause instanceof KubernetesClientException api && api.getCode() == 404) {
      onGone.run();
      return new SandboxException("the sandbox pod is gone; the next call gets a new one", api);
    }
    return new SandboxException("the sandbox command failed: " + KubernetesErrors.describe(cause), cause);
  }

  private static ExecResult result(int exit, CappedOutput stdout, CappedOutput stderr, boolean timedOut,
      long started) {
    return new ExecResult(exit, stdout.bytes(), stderr.bytes(), stdout.dropped() + stderr.dropped(), timedOut,
        Duration.ofNanos(System.nanoTime() - started));
  }

  /**
   * Kills the timed-out or aborted command's process group, best effort, bounded to 10 s; keeps the thread's
   * interrupt.
   */
  private void kill(String pidFile) {
    boolean interrupted = Thread.interrupted();
    try (ExecWatch watch = start(List.of("sh", "-c", KILLER, pidFile), false, OutputStream.nullOutputStream(),
        OutputStream.nullOutputStream())) {
      watch.exitCode().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | InterruptedException | KubernetesClientException e) {
      LOG.warn("sandbox.kill_failed pod={} reason={}", podName, e.getClass().getSimpleName());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
