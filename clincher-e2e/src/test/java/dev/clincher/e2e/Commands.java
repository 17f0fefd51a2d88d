package dev.clincher.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs real programs (docker, docker-compose, curl, iptables, nsenter) with a time bound; never through a shell. */
final class Commands {
  /** Readers of the programs' outputs: one platform thread each (a blocking pipe read must not starve others). */
  private static final java.util.concurrent.ExecutorService READERS =
      java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("output-", 0).factory());

  /** What a program did: exit code (-1 when killed at the time bound) and both outputs. */
  record Result(List<String> argv, int exit, String out, String err) {
    boolean ok() {
      return exit == 0;
    }

    /** For assertion messages: the command and everything it printed. */
    String describe() {
      return String.join(" ", argv) + "\n  exit " + exit + "\n  stdout: " + out.strip() + "\n  stderr: " + err.strip();
    }

    Result orFail() {
      if (!ok()) {
        throw new AssertionError("command failed: " + describe());
      }
      return this;
    }
  }

  private Commands() {}

  static Result run(Duration timeout, List<String> argv) {
    return run(timeout, argv, Map.of(), null);
  }

  static Result run(Duration timeout, String... argv) {
    return run(timeout, List.of(argv));
  }

  /** Runs {@code argv} in {@code directory} (or here) with {@code env} added, killing it after {@code timeout}. */
  static Result run(Duration timeout, List<String> argv, Map<String, String> env, Path directory) {
    ProcessBuilder builder = new ProcessBuilder(argv);
    builder.environment().putAll(env);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      CompletableFuture<String> out = drain(process.getInputStream());
      CompletableFuture<String> err = drain(process.getErrorStream());
      boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      return new Result(argv, finished ? process.exitValue() : -1, out.join(), err.join()
          + (finished ? "" : "\n[killed after " + timeout.toSeconds() + " s]"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + argv, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + argv, e);
    }
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "[output lost: " + e.getMessage() + "]";
      }
    }, READERS);
  }
}
