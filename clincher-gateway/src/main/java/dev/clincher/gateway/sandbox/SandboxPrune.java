package dev.clincher.gateway.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Removes every sandbox of one gateway instance — its containers and, when asked, its workspace volumes — for an
 * operator taking a deployment down ({@code clincher sandbox prune}). An agent with its own sandbox settings labels
 * its containers {@code <instance>-<agent>}, and workspace volumes are named {@code <prefix><instance>-...}: both
 * belong to the instance too. Volumes can only be removed with the host's own Docker: the socket proxy refuses it.
 */
public final class SandboxPrune {
  /** What was removed. */
  public record Pruned(List<String> containers, List<String> volumes) {}

  private SandboxPrune() {}

  public static Pruned prune(DockerClient docker, String instance, String volumePrefix, boolean volumes)
      throws IOException {
    List<String> containers = new ArrayList<>();
    for (JsonNode container : docker.listContainers(Map.of(ContainerSpec.LABEL, "1"))) {
      String owner = container.path("Labels").path(ContainerSpec.LABEL_INSTANCE).asText();
      if (owner.equals(instance) || owner.startsWith(instance + "-")) {
        String id = container.path("Id").asText();
        docker.removeContainer(id, true);
        containers.add(id.substring(0, Math.min(12, id.length())));
      }
    }
    List<String> removedVolumes = new ArrayList<>();
    if (volumes) {
      for (String volume : docker.listVolumes(volumePrefix + instance + "-")) {
        docker.removeVolume(volume);
        removedVolumes.add(volume);
      }
    }
    return new Pruned(containers, removedVolumes);
  }
}
