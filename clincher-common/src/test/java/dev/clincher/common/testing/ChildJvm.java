package dev.clincher.common.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A child JVM for crash and signal tests: the running JVM's {@code java} with the test classpath, read line by line,
 * killed with SIGKILL through its process handle.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** Starts {@code mainClass} with {@code env} added (secrets go there, never in arguments); stderr joins stdout. */
  public static Process start(Class<?> mainClass, Map<String, String> env, List<String> jvmOptions)
      throws IOException {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    return builder.start();
  }

  /**
   * Passes each line the child prints to {@code onLine} until its output ends (it exited or was killed), killing it
   * when that takes longer than {@code timeout}; returns its exit code (137 after SIGKILL).
   */
  public static int readLines(Process child, Duration timeout, Consumer<String> onLine)
      throws IOException, InterruptedException {
    CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> kill(child));
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        onLine.accept(line);
      }
    } finally {
      kill(child);
    }
    if (!child.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the child JVM did not exit 30 s after SIGKILL");
    }
    return child.exitValue();
  }

  /**
   * SIGKILL: no shutdown hook, no close. Through the handle, because {@code Process.destroyForcibly()} would also
   * close our end of the child's output and lose the lines it wrote just before.
   */
  public static void kill(Process child) {
    child.toHandle().destroyForcibly();
  }
}
