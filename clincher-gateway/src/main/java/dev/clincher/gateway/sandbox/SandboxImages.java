package dev.clincher.gateway.sandbox;

import dev.clincher.gateway.sandbox.docker.DockerClient;
import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * The sandbox images of a gateway's agents, and whether Docker has them. A missing image is not fatal (the agents
 * can still chat; only tool calls fail), so it is reported: in a log line at start, in the readiness detail, and in
 * the error of every tool call that needs it, each time with the command that builds it ({@link #missingMessage}).
 * Docker is asked through {@code GET /images/{name}/json}, which the socket proxy's sandbox profile opens for the
 * images it admits.
 */
public final class SandboxImages {
  private final DockerClient docker;
  private final List<String> images;

  /** What Docker answered for one image; {@code reason} says why it is {@link Presence#UNKNOWN}. */
  public record Check(String image, Presence presence, String reason) {}

  /** An image is there, missing, or unknown (Docker or the socket proxy did not answer, or refused to say). */
  public enum Presence { PRESENT, MISSING, UNKNOWN }

  /**
   * @param docker the Docker API (in production the socket proxy)
   * @param images the images the agents' sandboxes use; duplicates are checked once
   */
  public SandboxImages(DockerClient docker, Collection<String> images) {
    this.docker = docker;
    this.images = images.stream().distinct().toList();
  }

  /** Asks Docker about every image, in order. */
  public List<Check> check() {
    return images.stream().map(this::check).toList();
  }

  /** The images Docker answers it does not have. */
  public List<String> missing() {
    return check().stream().filter(check -> check.presence() == Presence.MISSING).map(Check::image).toList();
  }

  private Check check(String image) {
    try {
      return new Check(image, docker.imageExists(image) ? Presence.PRESENT : Presence.MISSING, "");
    } catch (IOException e) {
      return new Check(image, Presence.UNKNOWN, e.getMessage());
    }
  }

  /** The command that builds {@code image} on the Docker host, run in the Clincher repository. */
  public static String buildCommand(String image) {
    return "./clincher sandbox build --offline"
        + (image.equals(SandboxSettings.DEFAULT_IMAGE) ? "" : " --image " + image);
  }

  /** The same without the repository: DIR holds the sandbox Dockerfile ({@code deploy/images/sandbox}). */
  public static String dockerBuildCommand(String image) {
    return "docker build -t " + image + " DIR";
  }

  /** What the operator, the model and the user read when {@code image} is missing: what fails and how to fix it. */
  public static String missingMessage(String image) {
    return "the sandbox image " + image + " does not exist on the Docker host, so tools cannot run until an "
        + "operator builds it there: `" + buildCommand(image) + "` in the Clincher repository, or `"
        + dockerBuildCommand(image) + "` with DIR holding the sandbox Dockerfile (deploy/images/sandbox)";
  }
}
