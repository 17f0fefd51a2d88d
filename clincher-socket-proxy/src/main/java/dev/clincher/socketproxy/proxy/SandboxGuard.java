package dev.clincher.socketproxy.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The sandbox profile's check on containers named in a path: asks Docker (through the socket) whether the
 * container exists and carries the sandbox label. The caller then forwards the request with the container's full
 * ID in place of the name it was given, so a rename between check and use cannot swap the target.
 *
 * <p>Positive answers are remembered by full ID (bounded, least recently used first out): Docker never changes a
 * container's labels after creation and never reuses an ID, and an exec instance never moves to another container,
 * so a verified full ID stays verified for the container's life. Names and short IDs are always asked again, and
 * negative answers are never remembered.
 */
final class SandboxGuard {
  private static final int REMEMBERED = 4096;
  private static final Pattern FULL_ID = Pattern.compile("[0-9a-f]{64}");

  private final DockerApi docker;
  private final String label;
  private final Set<String> verifiedContainers = boundedSet();
  private final Set<String> verifiedExecs = boundedSet();

  SandboxGuard(DockerApi docker, String label) {
    this.docker = docker;
    this.label = label;
  }

  /** The full ID of a labelled container, or empty if it does not exist or is not a sandbox. */
  Optional<String> sandboxId(String idOrName) throws IOException {
    if (FULL_ID.matcher(idOrName).matches() && verifiedContainers.contains(idOrName)) {
      return Optional.of(idOrName);
    }
    Optional<JsonNode> container = docker.inspectContainer(idOrName);
    if (container.isEmpty()) {
      return Optional.empty();
    }
    JsonNode labels = container.get().path("Config").path("Labels");
    String id = container.get().path("Id").asText("");
    boolean sandbox = labels.isObject() && labels.has(label) && FULL_ID.matcher(id).matches();
    if (sandbox) {
      verifiedContainers.add(id);
    }
    return sandbox ? Optional.of(id) : Optional.empty();
  }

  /** Whether an exec instance runs in a labelled container. */
  boolean execInSandbox(String execId) throws IOException {
    if (FULL_ID.matcher(execId).matches() && verifiedExecs.contains(execId)) {
      return true;
    }
    Optional<JsonNode> exec = docker.inspectExec(execId);
    if (exec.isEmpty()) {
      return false;
    }
    String container = exec.get().path("ContainerID").asText("");
    boolean sandbox = !container.isEmpty() && sandboxId(container).isPresent();
    if (sandbox && FULL_ID.matcher(execId).matches()) {
      verifiedExecs.add(execId);
    }
    return sandbox;
  }

  private static Set<String> boundedSet() {
    Map<String, Boolean> lru = new LinkedHashMap<>(64, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > REMEMBERED;
      }
    };
    return Collections.synchronizedSet(Collections.newSetFromMap(lru));
  }
}
