package dev.clincher.app;

import dev.clincher.common.config.ConfigException;
import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import dev.clincher.gateway.sandbox.SandboxPrune;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the sandbox containers of {@code clincher up}'s gateway instance when up stops (closed after the gateway,
 * before the socket proxy it goes through). Workspace volumes are kept, so the next start finds the files again.
 */
record SandboxCleanup(DockerClient docker, String instance, String volumePrefix) implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.up");

  /** The cleanup of the sandboxes the gateway configured by {@code settings} creates. */
  static SandboxCleanup of(GatewaySettings settings) throws ConfigException {
    SandboxSettings sandbox = GatewayServer.sandboxSettings(settings);
    return new SandboxCleanup(new DockerClient(GatewayServer.dockerHost(settings), sandbox.dockerTimeout()),
        sandbox.instance(), sandbox.volumePrefix());
  }

  @Override
  public void close() {
    try {
      SandboxPrune.Pruned pruned = SandboxPrune.prune(docker, instance, volumePrefix, false);
      LOG.atInfo().addKeyValue("instance", instance).addKeyValue("containers", pruned.containers())
          .addKeyValue("volumes", "kept").log("up.sandboxes_stopped");
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("instance", instance).addKeyValue("error", e.getMessage())
          .addKeyValue("hint", "remove them with ./clincher sandbox prune --instance " + instance)
          .log("up.sandboxes_not_stopped");
    }
  }
}
