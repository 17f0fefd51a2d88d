package dev.clincher.router.routing;

import java.util.List;

/** The deployments that serve one public model name. */
public record DeploymentGroup(String modelName, List<Deployment> deployments) {
  public DeploymentGroup {
    deployments = List.copyOf(deployments);
    if (deployments.isEmpty()) {
      throw new IllegalArgumentException("a group needs at least one deployment");
    }
  }
}
