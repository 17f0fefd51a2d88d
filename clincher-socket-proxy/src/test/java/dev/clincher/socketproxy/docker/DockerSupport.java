package dev.clincher.socketproxy.docker;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import dev.clincher.socketproxy.proxy.DockerApi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Test access to the real Docker daemon and the real {@code docker} CLI: runs the CLI straight against the socket
 * (to set up and to check what exists) or through a proxy, builds the test image when it is missing, and removes
 * every container a test run labelled. Tests skip only when no daemon answers on the socket.
 */
final class DockerSupport {
  static final Path SOCKET = Path.of(System.getenv().getOrDefault("CLINCHER_TEST_DOCKER_SOCKET",
      "/var/run/docker.sock"));
  static final String IMAGE = "clincher-sandbox-test:latest";
  static final String DENIED = "403 Forbidden by clincher socket-proxy";

  /** A label value unique to this test run; every container the tests create carries {@code clincher.test}. */
  final String run = UUID.randomUUID().toString().substring(0, 8);

  /** What a CLI run printed and returned. */
  record Result(int exit, String out, String err) {
    String all() {
      return out + err;
    }
  }

  /**
   * Skips the calling test class unless a Docker daemon answers. Under CI (the {@code CI} variable is set, as
   * {@code .ci/run} runs) a missing daemon is a failure instead: CI must never pass by skipping these tests.
   */
  static void assumeDocker() {
    boolean reachable;
    try {
      reachable = Files.exists(SOCKET) && new DockerApi(SOCKET).ping();
    } catch (IOException e) {
      reachable = false;
    }
    if (!reachable && System.getenv("CI") != null) {
      throw new AssertionError("CI is set but no Docker daemon answers on " + SOCKET
          + "; .ci/run starts one with clincher-socket-proxy/ci-setup.sh");
    }
    assumeTrue(reachable, "no Docker daemon answers on " + SOCKET);
  }

  /** Starts a proxy on an ephemeral loopback port. */
  static SocketProxyServer startProxy(SocketProxySettings.Profile profile, Map<String, String> env)
      throws Exception {
    return SocketProxyServer.start(SocketProxySettings.defaults().withListenPort(0).withDockerSocket(SOCKET)
        .withProfile(profile).withEnvironment(env));
  }

  /** Runs the CLI straight against the Docker socket. */
  Result direct(String... args) throws Exception {
    return docker("unix://" + SOCKET, null, args);
  }

  /** Runs the CLI through the proxy. */
  Result proxied(SocketProxyServer proxy, String... args) throws Exception {
    return docker("tcp://127.0.0.1:" + proxy.address().getPort(), null, args);
  }

  /** Runs any command with {@code DOCKER_HOST} pointing at the proxy. */
  Result command(SocketProxyServer proxy, String stdin, String... command) throws Exception {
    return run(Map.of("DOCKER_HOST", "tcp://127.0.0.1:" + proxy.address().getPort(), "DOCKER_BUILDKIT", "0"),
        stdin, List.of(command));
  }

  private Result docker(String host, String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add("docker");
    command.addAll(List.of(args));
    return run(Map.of("DOCKER_HOST", host, "DOCKER_BUILDKIT", "0"), stdin, command);
  }

  static Result run(Map<String, String> env, String stdin, List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    Process process = builder.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    try (var in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    return new Result(process.exitValue(), out.get(), err.get());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Number of lines the direct CLI prints, e.g. {@code count("ps", "-aq")}. */
  int count(String... args) throws Exception {
    Result result = direct(args);
    if (result.exit() != 0) {
      throw new AssertionError("docker " + String.join(" ", args) + " failed: " + result.err());
    }
    return (int) result.out().lines().filter(line -> !line.isBlank()).count();
  }

  /** Builds the test image from the host's busybox with {@code docker import} when it is missing. */
  void ensureImage() throws Exception {
    if (direct("image", "inspect", IMAGE).exit() == 0) {
      return;
    }
    Path busybox = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox")).stream().filter(Files::exists)
        .findFirst().orElseThrow(() -> new AssertionError(IMAGE + " is missing and no busybox to build it; "
            + "run clincher-socket-proxy/ci-setup.sh"));
    Path root = Files.createTempDirectory("clincher-rootfs");
    Files.createDirectories(root.resolve("bin"));
    Files.copy(busybox, root.resolve("bin/busybox"));
    for (String tool : List.of("sh", "echo", "sleep", "cat", "id", "ls")) {
      Files.createSymbolicLink(root.resolve("bin").resolve(tool), Path.of("busybox"));
    }
    Result result = run(Map.of("DOCKER_HOST", "unix://" + SOCKET), null, List.of("sh", "-c",
        "tar -C '" + root + "' -c . | docker import -c 'CMD [\"/bin/sh\"]' - " + IMAGE));
    if (result.exit() != 0) {
      throw new AssertionError("cannot build " + IMAGE + ": " + result.err());
    }
  }

  /** The flags of a hardened sandbox that the sandbox profile accepts, labelled for this run. */
  List<String> hardenedFlags() {
    return List.of("--label", "clincher.sandbox=1", "--label", "clincher.test=" + run, "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges", "--network", "none", "--memory", "64m", "--cpus", "0.5",
        "--pids-limit", "64");
  }

  /** {@code create} arguments: the hardened flags, then {@code extra}, then image and command. */
  String[] create(List<String> flags, String... extra) {
    List<String> args = new ArrayList<>(List.of("create"));
    args.addAll(flags);
    args.addAll(List.of(extra));
    args.addAll(List.of(IMAGE, "sleep", "300"));
    return args.toArray(String[]::new);
  }

  /** Removes every container this run labelled. */
  void cleanUp() throws Exception {
    Result ids = direct("ps", "-aq", "--filter", "label=clincher.test=" + run);
    List<String> args = new ArrayList<>(List.of("rm", "-f"));
    ids.out().lines().filter(line -> !line.isBlank()).forEach(args::add);
    if (args.size() > 2) {
      direct(args.toArray(String[]::new));
    }
  }
}
