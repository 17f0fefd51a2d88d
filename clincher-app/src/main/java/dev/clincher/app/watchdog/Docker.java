package dev.clincher.app.watchdog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.json.JsonMappers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The containers of a compose project, and restarting one: through the docker CLI. */
interface Docker {
  List<ContainerState> containers(String project) throws IOException;

  void restart(String name) throws IOException;

  /** What {@code docker inspect} says about one container. */
  record ContainerState(String name, String service, String status, String health, boolean oomKilled,
      String finishedAt) {}

  /** The docker CLI ({@code DOCKER_HOST} is honoured by it). */
  Docker CLI = new Docker() {
    private final ObjectMapper json = JsonMappers.newMapper();

    @Override
    public List<ContainerState> containers(String project) throws IOException {
      String ids = run("docker", "ps", "--all", "--quiet", "--filter", "label=com.docker.compose.project=" + project);
      List<ContainerState> found = new ArrayList<>();
      if (ids.isBlank()) {
        return found;
      }
      List<String> inspect = new ArrayList<>(List.of("docker", "inspect"));
      inspect.addAll(ids.lines().toList());
      for (JsonNode container : json.readTree(run(inspect.toArray(String[]::new)))) {
        JsonNode state = container.path("State");
        found.add(new ContainerState(container.path("Name").asText().replaceFirst("^/", ""),
            container.path("Config").path("Labels").path("com.docker.compose.service").asText(""),
            state.path("Status").asText(), state.path("Health").path("Status").asText(""),
            state.path("OOMKilled").asBoolean(), state.path("FinishedAt").asText("")));
      }
      return found;
    }

    @Override
    public void restart(String name) throws IOException {
      run("docker", "restart", name);
    }

    private static String run(String... command) throws IOException {
      Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
          process.destroyForcibly();
          throw new IOException(command[0] + " " + command[1] + " failed");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      return output;
    }
  };
}
