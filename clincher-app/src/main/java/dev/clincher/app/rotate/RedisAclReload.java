package dev.clincher.app.rotate;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Makes the running Redis re-read its users file ({@code ACL LOAD}). The seam between a rotation and Redis. */
@FunctionalInterface
public interface RedisAclReload {
  /** Returns once Redis has loaded the file; Redis keeps its current users if the file is bad. */
  void reload() throws IOException;

  /**
   * {@code redisCli... --user clincher-rotate --askpass ACL LOAD}, the password written to the command's standard input
   * (never its arguments or environment, which {@code ps} shows); at most 60 s. {@code redisCli} is the command that
   * runs redis-cli next to the server, e.g. {@code docker-compose ... exec -T redis redis-cli}.
   *
   * @param password the password of the {@value RedisUsers#ROTATE_USER} user
   */
  static RedisAclReload cli(List<String> redisCli, String password) {
    return () -> {
      List<String> command = new ArrayList<>(redisCli);
      command.addAll(List.of("--user", RedisUsers.ROTATE_USER, "--askpass", "ACL", "LOAD"));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try {
        try (OutputStream in = process.getOutputStream()) {
          in.write((password + "\n").getBytes(StandardCharsets.UTF_8));
        }
        boolean ended = process.waitFor(60, TimeUnit.SECONDS);
        String output = ended ? new String(process.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip()
            : "";
        if (!ended || process.exitValue() != 0 || !output.equals("OK")) {
          process.destroyForcibly();
          throw new IOException("ACL LOAD through " + redisCli.getFirst() + " failed"
              + (ended ? " (exit " + process.exitValue() + "): " + output.lines().findFirst().orElse("")
                  : ": no answer within 60 s"));
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while reloading Redis's users", e);
      }
    };
  }

  /** {@code <compose> --project-directory DIR -f DIR/docker-compose.yml exec -T redis redis-cli}. */
  static List<String> composeRedisCli(List<String> compose, Path deployment) {
    List<String> command = new ArrayList<>(compose);
    command.addAll(List.of("--project-directory", deployment.toString(),
        "-f", deployment.resolve("docker-compose.yml").toString(), "exec", "-T", "redis", "redis-cli"));
    return command;
  }
}
