package dev.clincher.app.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A command on the host (the docker CLI), bounded in time and in output. Values that must not be on a command line
 * are passed in {@code env} and named on it ({@code docker run -e NAME}).
 */
public record HostCommand(List<String> argv, Map<String, String> env, Duration timeout) {
  private static final int MAX_OUTPUT_BYTES = 1 << 20;

  /** What a command did: its exit status (-1 when it timed out or could not start) and its output. */
  public record Output(int status, String out, String err) {
    public boolean ok() {
      return status == 0;
    }
  }

  public static HostCommand of(Duration timeout, String... argv) {
    return new HostCommand(List.of(argv), Map.of(), timeout);
  }

  public Output run() {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("clincher-audit", ".out");
      err = Files.createTempFile("clincher-audit", ".err");
      ProcessBuilder builder = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return new Output(-1, read(out), "timed out after " + timeout.toSeconds() + " s");
      }
      return new Output(process.exitValue(), read(out), read(err));
    } catch (IOException e) {
      return new Output(-1, "", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Output(-1, "", "interrupted");
    } finally {
      delete(out);
      delete(err);
    }
  }

  private static String read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(MAX_OUTPUT_BYTES), StandardCharsets.UTF_8);
    }
  }

  private static void delete(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a temporary file left in /tmp
      }
    }
  }
}
