package dev.clincher.app;

import dev.clincher.app.UpSummary.Missing;
import dev.clincher.common.config.ConfigException;
import dev.clincher.gateway.GatewayServer;
import dev.clincher.gateway.GatewaySettings;
import dev.clincher.gateway.sandbox.SandboxImages;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code clincher up} checks once the services run, for the summary's "Missing" list: the Docker socket, the
 * sandbox image, and whether anything answers where model {@code default} is served from (a URL it can reach
 * directly; hosted providers are behind the egress and not probed).
 */
final class UpChecks {
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
  static final String PROVIDER_FIX = "./clincher up --provider-url http://HOST:PORT/v1 --model NAME  (any "
      + "OpenAI-compatible server), or put a provider key in a file and run "
      + "ANTHROPIC_API_KEY_FILE=that-file ./clincher up  (or OPENAI_API_KEY_FILE, GROQ_API_KEY_FILE)";

  private UpChecks() {}

  /** Everything missing, in the order a person fixes it. */
  static List<Missing> missing(Optional<Path> absentDockerSocket, ModelDefault model, GatewaySettings gateway)
      throws ConfigException {
    List<Missing> missing = new ArrayList<>();
    provider(model).ifPresent(missing::add);
    if (absentDockerSocket.isPresent()) {
      missing.add(new Missing("no Docker socket at " + absentDockerSocket.get() + ": the agent's tools cannot run",
          "start dockerd (e.g. sudo systemctl start docker), then run ./clincher up again"));
    } else {
      sandboxImage(gateway).ifPresent(missing::add);
    }
    return missing;
  }

  private static Optional<Missing> provider(ModelDefault model) {
    if (model.probe().isEmpty() || answers(model.probe().get())) {
      return Optional.empty();
    }
    URI url = model.probe().get();
    if (model.fallback()) {
      return Optional.of(new Missing("no model provider: model default is a local Ollama (" + url
          + "), and nothing answers there", PROVIDER_FIX));
    }
    return Optional.of(new Missing("nothing answers at " + url + " (--provider-url)",
        "start the server there, or run ./clincher up --provider-url URL --model NAME with its address"));
  }

  private static Optional<Missing> sandboxImage(GatewaySettings gateway) throws ConfigException {
    SandboxSettings sandbox = GatewayServer.sandboxSettings(gateway);
    DockerClient docker = new DockerClient(GatewayServer.dockerHost(gateway), sandbox.dockerTimeout());
    if (!new SandboxImages(docker, List.of(sandbox.image())).missing().isEmpty()) {
      return Optional.of(new Missing("the sandbox image " + sandbox.image() + " does not exist: tool calls fail until "
          + "it does", SandboxImages.buildCommand(sandbox.image()) + "  (in the Clincher repository; no registry "
          + "needed)"));
    }
    return Optional.empty();
  }

  /** Whether a TCP connection to the URL's host and port opens within {@link #PROBE_TIMEOUT}. */
  static boolean answers(URI url) {
    int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(url.getHost(), port), (int) PROBE_TIMEOUT.toMillis());
      return true;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }
}
