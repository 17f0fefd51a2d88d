package dev.clincher.gateway.sandbox.docker;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection to the Docker API (TCP or Unix socket) with a hard deadline: when it passes, the connection is
 * closed under the reader's feet, so no call can hang however slowly the peer answers.
 */
final class DockerConnection implements AutoCloseable {
  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "clincher-docker-deadline");
    thread.setDaemon(true);
    return thread;
  });

  private final AutoCloseable resource;
  private final InputStream in;
  private final OutputStream out;
  private final Shutdown shutdownOutput;
  private final AtomicBoolean expired = new AtomicBoolean();
  private volatile ScheduledFuture<?> deadline;

  private interface Shutdown {
    void run() throws IOException;
  }

  private DockerConnection(AutoCloseable resource, InputStream in, OutputStream out, Shutdown shutdownOutput) {
    this.resource = resource;
    this.in = new BufferedInputStream(in, 64 * 1024);
    this.out = new BufferedOutputStream(out, 64 * 1024);
    this.shutdownOutput = shutdownOutput;
  }

  static DockerConnection of(Socket socket) throws IOException {
    return new DockerConnection(socket, socket.getInputStream(), socket.getOutputStream(), socket::shutdownOutput);
  }

  static DockerConnection of(SocketChannel channel) {
    return new DockerConnection(channel, Channels.newInputStream(channel), Channels.newOutputStream(channel),
        channel::shutdownOutput);
  }

  /** Closes the connection when {@code timeout} has passed (replacing any earlier deadline). */
  void deadline(Duration timeout) {
    ScheduledFuture<?> previous = deadline;
    if (previous != null) {
      previous.cancel(false);
    }
    deadline = WATCHDOG.schedule(() -> {
      expired.set(true);
      close();
    }, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
  }

  /** Cancels the deadline: the connection stays open until closed (an attachment that lives with its container). */
  void noDeadline() {
    ScheduledFuture<?> current = deadline;
    if (current != null) {
      current.cancel(false);
    }
  }

  /** Whether the deadline passed (and so closed the connection). */
  boolean expired() {
    return expired.get();
  }

  InputStream in() {
    return in;
  }

  OutputStream out() {
    return out;
  }

  /** Flushes and half-closes: the peer reads EOF on our side (the end of an exec's stdin). */
  void shutdownOutput() throws IOException {
    out.flush();
    shutdownOutput.run();
  }

  @Override
  public void close() {
    ScheduledFuture<?> current = deadline;
    if (current != null) {
      current.cancel(false);
    }
    try {
      resource.close();
    } catch (Exception ignored) {
      // closing is best effort
    }
  }
}
