package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clincher.gateway.sandbox.SandboxManager;
import dev.clincher.gateway.sandbox.SandboxSettings;
import dev.clincher.gateway.sandbox.docker.DockerClient;
import dev.clincher.gateway.sandbox.docker.DockerHost;
import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code clincher sandbox}: explain and build without Docker; list and recreate against dockerd via the proxy. */
class SandboxCommandTest {
  private static final Path SOCKET = Path.of(System.getenv().getOrDefault("CLINCHER_TEST_DOCKER_SOCKET",
      "/var/run/docker.sock"));

  private static MainTest.Run run(SandboxSettings settings, String... args) {
    CommandLine commandLine = new CommandLine(new SandboxCommand(settings));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exit = commandLine.execute(args);
    return new MainTest.Run(exit, out.toString(), err.toString());
  }

  @Test
  void explainPrintsEveryConfigKey() {
    MainTest.Run run = run(SandboxSettings.defaults(), "--docker-host", "tcp://127.0.0.1:2375", "explain");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("sandbox.image: clincher-sandbox:latest", "sandbox.scope: session",
        "sandbox.user: 1000:1000", "sandbox.memory: 1073741824 bytes", "sandbox.max_sandboxes: 8",
        "docker host: tcp://127.0.0.1:2375", "settings hash");
  }

  @Test
  void explainReadsTheGatewayConfig(@org.junit.jupiter.api.io.TempDir Path directory) throws Exception {
    Path config = directory.resolve("gateway.yaml");
    Files.writeString(config, """
        docker: {host: "tcp://10.0.0.7:2375"}
        sandbox: {memory: 2g, cpus: 0.5, scope: agent}
        tools: {exec: {max_output: 8k}}
        agents: {main: {model: m}}
        """);
    MainTest.Run run = run(SandboxSettings.defaults(), "explain", "--config", config.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("sandbox.memory: 2147483648 bytes", "sandbox.cpus: 0.5", "sandbox.scope: agent",
        "tools.exec.max_output: 8192 bytes", "docker host: tcp://10.0.0.7:2375");
  }

  /** A fake repository: deploy/images/build (records its argv and image), sandbox/Dockerfile, and a fake docker. */
  private record FakeRepository(Path context, Path bin, Path record) {
    static FakeRepository create(Path directory, boolean withScript) throws Exception {
      Path images = Files.createDirectories(directory.resolve("deploy/images"));
      Path context = Files.createDirectories(images.resolve("sandbox"));
      Files.writeString(context.resolve("Dockerfile"), "ARG BASE_IMAGE=debian:bookworm-slim\nFROM ${BASE_IMAGE}\n");
      Path record = directory.resolve("record.txt");
      String recorder = "#!/bin/sh\necho \"$0 $* image=$CLINCHER_SANDBOX_IMAGE buildkit=$DOCKER_BUILDKIT\" >> '"
          + record + "'\n";
      if (withScript) {
        executable(images.resolve("build"), recorder);
      }
      Path bin = Files.createDirectories(directory.resolve("bin"));
      executable(bin.resolve("docker"), recorder);
      return new FakeRepository(context, bin, record);
    }

    List<String> recorded() throws Exception {
      return Files.readAllLines(record);
    }
  }

  private static void executable(Path file, String text) throws Exception {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static MainTest.Run build(FakeRepository repository, String... args) {
    SandboxCommand command = new SandboxCommand(SandboxSettings.defaults());
    command.environment = Map.of("PATH", repository.bin().toString());
    CommandLine commandLine = new CommandLine(command);
    StringWriter err = new StringWriter();
    commandLine.setErr(new PrintWriter(err));
    List<String> all = new java.util.ArrayList<>(List.of("build", "--context", repository.context().toString()));
    all.addAll(List.of(args));
    return new MainTest.Run(commandLine.execute(all.toArray(String[]::new)), "", err.toString());
  }

  @Test
  void offlineBuildRunsTheRepositoryScriptWithTheImageFromTheConfig(@TempDir Path directory) throws Exception {
    FakeRepository repository = FakeRepository.create(directory, true);
    Path config = directory.resolve("gateway.yaml");
    Files.writeString(config, "sandbox: {image: \"clincher-sandbox:7\"}\nagents: {main: {model: m}}\n");
    MainTest.Run offline = build(repository, "--offline", "--config", config.toString());
    assertThat(offline.exit()).as(offline.err()).isZero();
    Path script = repository.context().resolveSibling("build").toAbsolutePath();
    assertThat(repository.recorded()).containsExactly(
        repository.bin().resolve("docker") + " info --format {{.ServerVersion}} image= buildkit=",
        script + " --offline sandbox image=clincher-sandbox:7 buildkit=");
    assertThat(offline.err()).contains("sandbox build: " + script + " --offline sandbox");

    Files.delete(repository.record());
    assertThat(build(repository, "--image", "clincher-sandbox:8").exit()).isZero();
    assertThat(repository.recorded()).last().isEqualTo(script + " sandbox image=clincher-sandbox:8 buildkit=");
  }

  @Test
  void aFailedBuildWithoutOfflineSaysHowToBuildWithoutARegistry(@TempDir Path directory) throws Exception {
    FakeRepository repository = FakeRepository.create(directory, true);
    executable(repository.context().resolveSibling("build"), "#!/bin/sh\necho 'pull access denied' >&2\nexit 1\n");
    MainTest.Run failed = build(repository);
    assertThat(failed.exit()).isEqualTo(1);
    assertThat(failed.err()).contains("sandbox build: failed (exit 1)", "./clincher sandbox build --offline",
        "mmdebstrap");
    MainTest.Run offline = build(repository, "--offline");
    assertThat(offline.exit()).isEqualTo(1);
    assertThat(offline.err()).doesNotContain("sandbox build: failed");
  }

  @Test
  void aPlainDockerfileDirectoryGetsAPlainDockerBuild(@TempDir Path directory) throws Exception {
    FakeRepository repository = FakeRepository.create(directory, false);
    MainTest.Run plain = build(repository, "--base-image", "clincher/debian-base:bookworm-slim");
    assertThat(plain.exit()).as(plain.err()).isZero();
    assertThat(repository.recorded()).last().isEqualTo(repository.bin().resolve("docker") + " build --build-arg "
        + "BASE_IMAGE=clincher/debian-base:bookworm-slim -t clincher-sandbox:latest " + repository.context()
        + " image= buildkit=0");
  }

  @Test
  void theBuildPlanIsAnArgvList(@TempDir Path directory) throws Exception {
    Path repo = FakeRepository.create(directory.resolve("repo"), true).context();
    Path plain = FakeRepository.create(directory.resolve("plain"), false).context();
    String script = repo.resolveSibling("build").toAbsolutePath().toString();
    assertThat(SandboxBuild.plan(repo, "clincher-sandbox:latest", true, null)).isEqualTo(new SandboxBuild.Plan(
        List.of(script, "--offline", "sandbox"), Map.of("CLINCHER_SANDBOX_IMAGE", "clincher-sandbox:latest")));
    assertThat(SandboxBuild.plan(repo, "clincher-sandbox:latest", false, null).argv())
        .containsExactly(script, "sandbox");
    assertThat(SandboxBuild.plan(plain, "clincher-sandbox:latest", false, null)).isEqualTo(new SandboxBuild.Plan(
        List.of("docker", "build", "-t", "clincher-sandbox:latest", plain.toString()), Map.of("DOCKER_BUILDKIT", "0")));
    // an explicit base image means a plain build, even in the repository
    assertThat(SandboxBuild.plan(repo, "clincher-sandbox:latest", false, "debian:12").argv()).containsExactly(
        "docker", "build", "--build-arg", "BASE_IMAGE=debian:12", "-t", "clincher-sandbox:latest", repo.toString());
  }

  @Test
  void buildOptionsThatCannotWorkAreRefusedBeforeDockerRuns(@TempDir Path directory) throws Exception {
    Path repo = FakeRepository.create(directory.resolve("repo"), true).context();
    Path plain = FakeRepository.create(directory.resolve("plain"), false).context();
    assertThatThrownBy(() -> SandboxBuild.plan(plain, "clincher-sandbox:latest", true, null))
        .hasMessageContaining("--offline builds the base with deploy/images/build");
    assertThatThrownBy(() -> SandboxBuild.plan(repo, "clincher-sandbox:latest", true, "debian:12"))
        .hasMessageContaining("leave out --base-image");
    assertThatThrownBy(() -> SandboxBuild.plan(directory, "clincher-sandbox:latest", false, null))
        .hasMessageContaining("no Dockerfile in");
    assertThatThrownBy(() -> SandboxBuild.plan(repo, "x; rm -rf /", false, null))
        .hasMessageContaining("not an image name");
    assertThatThrownBy(() -> SandboxBuild.plan(plain, "clincher-sandbox", false, "--privileged"))
        .hasMessageContaining("not an image name");
  }

  @Test
  void aMissingDockerOrASilentDaemonIsSaidClearly(@TempDir Path directory) throws Exception {
    Path empty = Files.createDirectories(directory.resolve("empty"));
    assertThatThrownBy(() -> SandboxBuild.checkDocker(Map.of("PATH", empty.toString())))
        .isInstanceOf(IOException.class).hasMessageContaining("docker is not installed or not on the PATH");
    Path bin = Files.createDirectories(directory.resolve("bin"));
    executable(bin.resolve("docker"), "#!/bin/sh\necho 'Client: Docker Engine'\n"
        + "echo 'Cannot connect to the Docker daemon at unix:///nope.sock. Is the docker daemon running?' >&2\n"
        + "exit 1\n");
    assertThatThrownBy(() -> SandboxBuild.checkDocker(Map.of("PATH", bin.toString())))
        .isInstanceOf(IOException.class)
        .hasMessage("the Docker daemon does not answer (is dockerd running, may this user use it?): Cannot connect "
            + "to the Docker daemon at unix:///nope.sock. Is the docker daemon running?");
  }

  @Test
  void listAndRecreateThroughTheSocketProxy() throws Exception {
    DockerClient direct = new DockerClient(DockerHost.parse("unix://" + SOCKET), Duration.ofSeconds(10));
    boolean reachable = Files.exists(SOCKET) && direct.ping();
    if (!reachable && System.getenv("CI") != null) {
      throw new AssertionError("CI is set but no Docker daemon answers on " + SOCKET);
    }
    assumeTrue(reachable, "no Docker daemon answers on " + SOCKET);
    Path policy = Files.createTempFile("policy", ".yaml");
    Files.writeString(policy, "images: [\"clincher-sandbox*\"]\nlabel: clincher.sandbox\nallowed_bind_paths: []\n"
        + "allowed_volumes: [\"clincher-ws-*\"]\nallow_root_exec: false\n");
    String instance = "c" + UUID.randomUUID().toString().substring(0, 8);
    SandboxSettings settings = SandboxSettings.defaults().withImage("clincher-sandbox-test:latest")
        .withInstance(instance);
    try (SocketProxyServer proxy = SocketProxyServer.start(SocketProxySettings.defaults().withListenPort(0)
        .withDockerSocket(SOCKET).withProfile(SocketProxySettings.Profile.SANDBOX).withPolicyFile(policy))) {
      String host = "tcp://127.0.0.1:" + proxy.address().getPort();
      SandboxManager manager = new SandboxManager(new DockerClient(DockerHost.parse(host), Duration.ofSeconds(30)),
          settings, Clock.systemUTC(), new SimpleMeterRegistry());
      String id = manager.open("main", "cli-session").containerId();
      String key = settings.key("main", "cli-session");

      MainTest.Run list = run(settings, "--docker-host", host, "list");
      assertThat(list.exit()).isZero();
      assertThat(list.out()).contains(key, id.substring(0, 12), "running", "main/cli-session");

      MainTest.Run recreate = run(settings, "--docker-host", host, "recreate", key);
      assertThat(recreate.exit()).as(recreate.err()).isZero();
      assertThat(direct.inspectContainer(id)).isEmpty();
      assertThat(run(settings, "--docker-host", host, "list").out()).doesNotContain(key);
    } finally {
      for (var container : direct.listContainers(Map.of("clincher.instance", instance))) {
        direct.removeContainer(container.path("Id").asText(), true);
      }
      new ProcessBuilder(List.of("sh", "-c", "docker volume ls -q --filter name=clincher-ws-" + instance
          + " | xargs -r docker volume rm")).start().waitFor();
    }
  }
}
