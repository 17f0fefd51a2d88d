package dev.clincher.socketproxy.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Optional;

/**
 * The sandbox profile's check on containers named in a path: asks Docker (through the socket) whether the
 * container exists and carries the sandbox label. The caller then forwards the request with the container's full
 * ID in place of the name it was given, so a rename between check and use cannot swap the target.
 */
final class SandboxGuard {
  private final DockerApi docker;
  private final String label;

  SandboxGuard(DockerApi docker, String label) {
    this.docker = docker;
    this.label = label;
  }

  /** The full ID of a labelled container, or empty if it does not exist or is not a sandbox. */
  Optional<String> sandboxId(String idOrName) throws IOException {
    Optional<JsonNode> container = docker.inspectContainer(idOrName);
    if (container.isEmpty()) {
      return Optional.empty();
    }
    JsonNode labels = container.get().path("Config").path("Labels");
    String id = container.get().path("Id").asText("");
    return labels.isObject() && labels.has(label) && !id.isEmpty() ? Optional.of(id) : Optional.empty();
  }

  /** Whether an exec instance runs in a labelled container. */
  boolean execInSandbox(String execId) throws IOException {
    Optional<JsonNode> exec = docker.inspectExec(execId);
    if (exec.isEmpty()) {
      return false;
    }
    String container = exec.get().path("ContainerID").asText("");
    return !container.isEmpty() && sandboxId(container).isPresent();
  }
}
