package dev.clincher.gateway.sandbox.runner;

import dev.clincher.gateway.sandbox.docker.Attachment;
import dev.clincher.gateway.sandbox.docker.CappedOutput;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gateway's end of one sandbox's command runner ({@code /usr/local/bin/clincher-runner}, started by the
 * container's init shell with the container's stdin and stdout): commands go as frames over a Docker attach
 * connection instead of a Docker exec each. One reader thread parses what the runner sends ({@link RunnerFrame#read},
 * strictly) and hands each frame to its command; several commands may run at once.
 *
 * <p>Limits are the exec path's: the timeout kills the command's whole process group (the runner starts every
 * command in its own session), at most {@code cap} bytes of stdout and of stderr are kept. A command the runner has
 * not confirmed starting within {@link #START_TIMEOUT} (or any command once the runner is gone, or one it refused
 * to start) fails with {@link RunnerUnavailableException}, so the caller can use exec instead; once the runner
 * broke, it stays broken.
 */
public final class CommandRunner implements AutoCloseable {
  /** How long the runner may take to confirm a start (or answer the hello); generous for a loaded host. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(5);
  /** Most commands in flight at once (the runner's own limit); more go another way. */
  static final int MAX_IN_FLIGHT = 64;
  /** After a kill, how long to wait for the runner to report the exit. */
  private static final Duration KILL_GRACE = Duration.ofSeconds(2);

  private final Attachment attachment;
  private final Map<Integer, Command> commands = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(1);
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final CompletableFuture<Void> hello = new CompletableFuture<>();
  /** Set once: why the runner cannot be used any more. */
  private final AtomicReference<RunnerException> broken = new AtomicReference<>();

  /** One command in flight. */
  private static final class Command {
    final CappedOutput output;
    final CompletableFuture<Void> started = new CompletableFuture<>();
    final CompletableFuture<Integer> exited = new CompletableFuture<>();

    Command(int cap) {
      output = new CappedOutput(cap);
    }
  }

  private CommandRunner(Attachment attachment) {
    this.attachment = attachment;
  }

  /**
   * Attaches to the container's stdio and says hello; call it before starting the container (so nothing the
   * runner says is missed) or on a running one. {@link #awaitReady} waits for the answer.
   */
  public static CommandRunner attach(DockerClient docker, String containerId) throws IOException {
    CommandRunner runner = new CommandRunner(docker.attach(containerId));
    Thread.ofVirtual().name("clincher-runner-" + containerId.substring(0, Math.min(12, containerId.length())))
        .start(runner::readLoop);
    try {
      runner.send(RunnerFrame.hello());
    } catch (IOException e) {
      runner.close();
      throw e;
    }
    return runner;
  }

  /** Waits (bounded) for the runner's hello; throws when it is missing, gone or does not answer. */
  public void awaitReady(Duration timeout) throws RunnerException, InterruptedException {
    try {
      hello.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw breakWith(new RunnerUnavailableException("runner_unresponsive",
          "the sandbox's command runner did not answer within " + timeout.toSeconds() + "s", true));
    } catch (ExecutionException e) {
      throw unavailable();
    }
  }

  /** Whether the runner can take commands (it answered and has not broken since). */
  public boolean ready() {
    return hello.isDone() && !hello.isCompletedExceptionally() && broken.get() == null;
  }

  /**
   * Runs a command and collects its output, like a Docker exec. Throws {@link RunnerUnavailableException} when
   * the command was not started (the caller may exec it instead) and {@link RunnerException} when the runner broke
   * while the command ran.
   */
  public RunnerResult run(List<String> argv, byte[] stdin, String workdir, int cap, Duration timeout)
      throws RunnerException, InterruptedException {
    if (!hello.isDone()) {
      awaitReady(START_TIMEOUT);
    }
    if (!ready()) {
      throw unavailable();
    }
    int id = nextId.getAndIncrement();
    byte[] request;
    try {
      request = RunnerFrame.run(id, argv, workdir, stdin);
    } catch (IllegalArgumentException e) {
      throw new RunnerUnavailableException("runner_request_too_large", e.getMessage(), false);
    }
    if (!inFlight.tryAcquire()) {
      throw new RunnerUnavailableException("runner_busy", "the runner has " + MAX_IN_FLIGHT
          + " commands in flight", false);
    }
    Command command = new Command(cap);
    commands.put(id, command);
    try {
      send(request);
      awaitStart(id, command);
      return awaitExit(id, command, timeout);
    } finally {
      commands.remove(id);
      inFlight.release();
    }
  }

  private void awaitStart(int id, Command command) throws RunnerException, InterruptedException {
    try {
      command.started.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      killQuietly(id);
      throw breakWith(new RunnerUnavailableException("runner_unresponsive",
          "the sandbox's command runner did not start the command within " + START_TIMEOUT.toSeconds() + "s",
          true));
    } catch (ExecutionException e) {
      throw (RunnerException) e.getCause();
    } catch (InterruptedException e) {
      killQuietly(id);
      throw e;
    }
  }

  private RunnerResult awaitExit(int id, Command command, Duration timeout)
      throws RunnerException, InterruptedException {
    try {
      int exit = command.exited.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new RunnerResult(exit, command.output.output(), false);
    } catch (TimeoutException e) {
      killQuietly(id);
      try {
        command.exited.get(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException ignored) {
        // killed as far as we can tell; the sandbox's limits bound what escaped its group
      }
      return new RunnerResult(-1, command.output.output(), true);
    } catch (ExecutionException e) {
      throw (RunnerException) e.getCause();
    } catch (InterruptedException e) {
      killQuietly(id);
      throw e;
    }
  }

  /** Kills the command's process group, best effort (keeps the thread's interrupt). */
  private void killQuietly(int id) {
    try {
      send(RunnerFrame.kill(id));
    } catch (IOException ignored) {
      // the runner is gone: so is what it started, or the sandbox's limits bound it
    }
  }

  private void send(byte[] frame) throws RunnerException {
    OutputStream out = attachment.stdin();
    try {
      synchronized (out) {
        out.write(frame);
        out.flush();
      }
    } catch (IOException e) {
      throw breakWith(new RunnerException("runner_gone", "cannot write to the sandbox's command runner: "
          + e.getMessage()));
    }
  }

  /** Reads frames until the stream ends or breaks the protocol; then the runner is broken for good. */
  private void readLoop() {
    try {
      RunnerFrame frame;
      while ((frame = RunnerFrame.read(attachment.stdout())) != null) {
        handle(frame);
      }
      breakWith(new RunnerException("runner_gone", "the sandbox's attach stream ended"));
    } catch (RunnerException e) {
      breakWith(e);
    } catch (IOException e) {
      breakWith(new RunnerException("runner_gone", "the sandbox's attach stream broke: " + e.getMessage()));
    }
  }

  private void handle(RunnerFrame frame) throws RunnerException {
    switch (frame.type()) {
      case RunnerFrame.HELLO -> {
        if (!frame.text().equals(RunnerFrame.VERSION)) {
          throw new RunnerProtocolException("the runner speaks '" + frame.text() + "', not " + RunnerFrame.VERSION);
        }
        hello.complete(null);
      }
      case RunnerFrame.GONE -> throw new RunnerException("runner_gone",
          "the sandbox's command runner is missing from the image or has exited");
      case RunnerFrame.FAILED -> failed(frame);
      default -> toCommand(frame);
    }
  }

  private void failed(RunnerFrame frame) throws RunnerException {
    if (frame.id() == 0) {
      throw new RunnerException("runner_stopped", "the sandbox's command runner stopped: " + frame.text());
    }
    Command command = commands.get(frame.id());
    if (command != null) {
      command.started.completeExceptionally(new RunnerUnavailableException("runner_refused",
          "the sandbox's command runner could not start the command: " + frame.text(), false));
    }
  }

  /** Output, start and exit of a command; frames for commands no longer waited for (timed out) are dropped. */
  private void toCommand(RunnerFrame frame) {
    Command command = commands.get(frame.id());
    if (command == null) {
      return;
    }
    switch (frame.type()) {
      case RunnerFrame.STARTED -> command.started.complete(null);
      case RunnerFrame.STDOUT, RunnerFrame.STDERR ->
          command.output.add(frame.type() == RunnerFrame.STDERR, frame.payload(), 0, frame.payload().length);
      case RunnerFrame.EXITED -> command.exited.complete(frame.exitCode());
      default -> throw new IllegalStateException("unhandled frame type " + frame.type());
    }
  }

  /**
   * Marks the runner broken (the first reason wins), closes the attachment and fails every command in flight:
   * those not started yet may go another way, the others' results are unknown.
   */
  private RunnerException breakWith(RunnerException reason) {
    if (!broken.compareAndSet(null, reason)) {
      return broken.get();
    }
    attachment.close();
    hello.completeExceptionally(reason);
    for (Command command : commands.values()) {
      command.started.completeExceptionally(new RunnerUnavailableException(reason.rule(), reason.getMessage(),
          true));
      command.exited.completeExceptionally(new RunnerException(reason.rule(),
          "the sandbox's command runner failed while the command ran: " + reason.getMessage()));
    }
    return reason;
  }

  private RunnerUnavailableException unavailable() {
    RunnerException reason = broken.get();
    return reason == null
        ? new RunnerUnavailableException("runner_not_ready", "the sandbox's command runner has not answered", true)
        : new RunnerUnavailableException(reason.rule(), reason.getMessage(), true);
  }

  /** Why the runner cannot be used, or {@code null} while it can. */
  public RunnerException brokenReason() {
    return broken.get();
  }

  @Override
  public void close() {
    breakWith(new RunnerException("runner_closed", "the sandbox was closed"));
  }
}
