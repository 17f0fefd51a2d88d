package dev.clincher.app.rotate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Tells a service to re-read its secrets (SIGHUP). The seam between a rotation and the running deployment. */
@FunctionalInterface
public interface ServiceSignals {
  /**
   * Makes {@code service} (a compose service name: {@code gateway}, {@code router}, {@code egress},
   * {@code socket-proxy}) re-read its secret files, and returns once the signal is delivered.
   */
  void reload(String service) throws IOException;

  /**
   * {@code <compose> -f DIR/docker-compose.yml kill -s SIGHUP <service>}, through the real CLI ({@code compose} is
   * {@code docker-compose} or {@code docker compose}); at most 60 s.
   */
  static ServiceSignals compose(List<String> compose, Path deployment) {
    return service -> {
      List<String> command = new ArrayList<>(compose);
      command.addAll(List.of("--project-directory", deployment.toString(),
          "-f", deployment.resolve("docker-compose.yml").toString(), "kill", "-s", "SIGHUP", service));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try {
        boolean ended = process.waitFor(60, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
        if (!ended || process.exitValue() != 0) {
          process.destroyForcibly();
          throw new IOException(String.join(" ", compose) + " kill -s SIGHUP " + service + " failed"
              + (ended ? " (exit " + process.exitValue() + "): " + output : ": no answer within 60 s"));
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while signalling " + service, e);
      }
    };
  }
}
