package dev.clincher.app;

import dev.clincher.gateway.sandbox.docker.DockerClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How {@code clincher sandbox build} builds the sandbox image, as an argv list (never a shell string). When the
 * context is the repository's {@code deploy/images/sandbox}, the build goes through {@code deploy/images/build}
 * (one build path; with {@code --offline} it first builds the Debian base from packages, so no image registry is
 * needed), which reads the image name from {@code CLINCHER_SANDBOX_IMAGE}. Any other Dockerfile directory, or an
 * explicit base image, gets a plain {@code docker build}.
 */
final class SandboxBuild {
  static final Duration DOCKER_INFO_TIMEOUT = Duration.ofSeconds(30);
  /** What a failed build without {@code --offline} says: the way that needs no image registry. */
  static final String OFFLINE_HINT = "If the base image could not be pulled (no image registry), build it from "
      + "Debian packages instead: ./clincher sandbox build --offline (needs mmdebstrap and a Debian mirror, "
      + "CLINCHER_DEBIAN_MIRROR; see docs/deploy.md).";

  /** The command to run and what to add to its environment. */
  record Plan(List<String> argv, Map<String, String> env) {
    Plan {
      argv = List.copyOf(argv);
      env = Map.copyOf(env);
    }

    /** The same with {@code docker} replaced by the CLI {@link #checkDocker} found. */
    Plan withDocker(Path docker) {
      List<String> resolved = new ArrayList<>(argv);
      if (resolved.getFirst().equals("docker")) {
        resolved.set(0, docker.toString());
      }
      return new Plan(resolved, env);
    }
  }

  private SandboxBuild() {}

  /**
   * The build of {@code image} from {@code context}.
   *
   * @param offline build the base image from Debian packages first (needs {@code deploy/images/build})
   * @param baseImage the {@code BASE_IMAGE} build argument of a plain build, or {@code null}
   * @throws IllegalArgumentException for a context without a Dockerfile, a bad image name, or options that cannot
   *     go together
   */
  static Plan plan(Path context, String image, boolean offline, String baseImage) {
    if (!Files.isRegularFile(context.resolve("Dockerfile"))) {
      throw new IllegalArgumentException("no Dockerfile in " + context + "; run this in the Clincher repository "
          + "or pass --context DIR");
    }
    if (!DockerClient.isImageReference(image) || (baseImage != null && !DockerClient.isImageReference(baseImage))) {
      throw new IllegalArgumentException("not an image name: " + (DockerClient.isImageReference(image) ? baseImage
          : image));
    }
    if (offline && baseImage != null) {
      throw new IllegalArgumentException("--offline builds its own base image; leave out --base-image");
    }
    Optional<Path> script = script(context);
    if (script.isPresent() && baseImage == null) {
      List<String> argv = new ArrayList<>(List.of(script.get().toString()));
      if (offline) {
        argv.add("--offline");
      }
      argv.add("sandbox");
      return new Plan(argv, Map.of("CLINCHER_SANDBOX_IMAGE", image));
    }
    if (offline) {
      throw new IllegalArgumentException("--offline builds the base with deploy/images/build, which is not next to "
          + context + "; pass --base-image IMAGE (a base Docker already has) instead");
    }
    List<String> argv = new ArrayList<>(List.of("docker", "build"));
    if (baseImage != null) {
      argv.addAll(List.of("--build-arg", "BASE_IMAGE=" + baseImage));
    }
    argv.addAll(List.of("-t", image, context.toString()));
    // The classic builder takes FROM from local images first, as deploy/images/build does: a local base needs no
    // registry.
    return new Plan(argv, Map.of("DOCKER_BUILDKIT", "0"));
  }

  /** {@code deploy/images/build} when {@code context} is the {@code sandbox} directory beside it. */
  static Optional<Path> script(Path context) {
    Path directory = context.toAbsolutePath().normalize();
    Path script = directory.resolveSibling("build");
    if (directory.getFileName() == null || !directory.getFileName().toString().equals("sandbox")
        || !Files.isRegularFile(script)) {
      return Optional.empty();
    }
    if (!Files.isExecutable(script)) {
      throw new IllegalArgumentException(script + " is not executable (chmod +x it)");
    }
    return Optional.of(script);
  }

  /**
   * The {@code docker} CLI on the {@code PATH} of {@code env}, once the daemon answers it ({@code docker info},
   * bounded in time); else an error that says which of the two is wrong.
   */
  static Path checkDocker(Map<String, String> env) throws IOException, InterruptedException {
    Path docker = onPath("docker", env.getOrDefault("PATH", "")).orElseThrow(() -> new IOException(
        "docker is not installed or not on the PATH (Debian: apt-get install docker.io)"));
    Path errors = Files.createTempFile("clincher-docker-info", ".txt");
    try {
      ProcessBuilder info = new ProcessBuilder(docker.toString(), "info", "--format", "{{.ServerVersion}}")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errors.toFile());
      info.environment().clear();
      info.environment().putAll(env);
      Process process = info.start();
      if (!process.waitFor(DOCKER_INFO_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("the Docker daemon does not answer (docker info took over "
            + DOCKER_INFO_TIMEOUT.toSeconds() + " s)");
      }
      if (process.exitValue() != 0) {
        throw new IOException("the Docker daemon does not answer (is dockerd running, may this user use it?)"
            + lastLine(errors).map(line -> ": " + line).orElse(""));
      }
    } finally {
      Files.deleteIfExists(errors);
    }
    return docker;
  }

  /** The last non-blank line of a small file (docker's error), at most 300 characters. */
  private static Optional<String> lastLine(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().map(String::strip)
        .filter(line -> !line.isEmpty()).reduce((first, last) -> last)
        .map(line -> line.length() > 300 ? line.substring(0, 300) + "…" : line);
  }

  private static Optional<Path> onPath(String name, String path) {
    for (String directory : path.split(":")) {
      if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, name))) {
        return Optional.of(Path.of(directory, name));
      }
    }
    return Optional.empty();
  }
}
