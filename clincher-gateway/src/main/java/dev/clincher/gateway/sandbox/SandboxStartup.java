package dev.clincher.gateway.sandbox;

import dev.clincher.gateway.sandbox.docker.DockerClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateway does with its sandboxes as it starts: adopts the containers a previous run left (so the reaper
 * sees them) and checks the sandbox images. Neither stops the start: the agents can still chat.
 */
public final class SandboxStartup {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway");

  private SandboxStartup() {}

  /** Adopts every manager's orphans and reports missing images; returns the images, for the readiness check. */
  public static SandboxImages adoptOrphansAndCheckImages(AgentSandboxes sandboxes, DockerClient docker) {
    sandboxes.managers().forEach(SandboxStartup::adoptOrphans);
    SandboxImages images = new SandboxImages(docker,
        sandboxes.managers().stream().map(manager -> manager.settings().image()).toList());
    reportImages(images);
    return images;
  }

  private static void adoptOrphans(SandboxManager sandboxes) {
    try {
      int adopted = sandboxes.adoptOrphans();
      LOG.atInfo().addKeyValue("adopted", adopted).log("gateway.sandboxes.adopted");
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.atWarn().addKeyValue("exception", e.getClass().getName()).addKeyValue("message", e.getMessage())
          .log("gateway.sandboxes.unreachable");
    }
  }

  /** A missing sandbox image is said, with its fix. */
  private static void reportImages(SandboxImages images) {
    for (SandboxImages.Check check : images.check()) {
      switch (check.presence()) {
        case MISSING -> LOG.atWarn().addKeyValue("image", check.image())
            .addKeyValue("build", SandboxImages.buildCommand(check.image()))
            .addKeyValue("without_repository", SandboxImages.dockerBuildCommand(check.image()))
            .addKeyValue("effect", "tool calls fail until it is built; chat works")
            .log("gateway.sandbox.image_missing");
        case UNKNOWN -> LOG.atWarn().addKeyValue("image", check.image()).addKeyValue("reason", check.reason())
            .log("gateway.sandbox.image_unchecked");
        case PRESENT -> { }
      }
    }
  }
}
