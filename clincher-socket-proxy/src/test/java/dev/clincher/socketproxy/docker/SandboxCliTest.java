package dev.clincher.socketproxy.docker;

import static dev.clincher.socketproxy.docker.DockerSupport.DENIED;
import static dev.clincher.socketproxy.docker.DockerSupport.IMAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings.Profile;
import dev.clincher.socketproxy.docker.DockerSupport.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real docker CLI through the proxy in the sandbox profile: the sandbox lifecycle works, and every attack in
 * the list fails with a 403 naming its rule, with the real socket showing nothing was created.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxCliTest {
  private final DockerSupport docker = new DockerSupport();
  private SocketProxyServer proxy;
  private String sandbox;
  private String unlabelled;

  @BeforeAll
  void start() throws Exception {
    DockerSupport.assumeDocker();
    docker.ensureImage();
    proxy = DockerSupport.startProxy(Profile.SANDBOX, Map.of());
    sandbox = "sbx-" + docker.run;
    unlabelled = "plain-" + docker.run;
    List<String> flags = new ArrayList<>(docker.hardenedFlags());
    flags.addAll(List.of("--name", sandbox));
    assertOk(docker.proxied(proxy, docker.create(flags)));
    assertOk(docker.proxied(proxy, "start", sandbox));
    assertOk(docker.direct("create", "--name", unlabelled, "--label", "clincher.test=" + docker.run, IMAGE,
        "sleep", "300"));
  }

  @AfterAll
  void stop() throws Exception {
    if (proxy != null) {
      docker.cleanUp();
      proxy.close();
    }
  }

  @Test
  void listingShowsOnlySandboxes() throws Exception {
    Result list = docker.proxied(proxy, "ps", "-a", "--format", "{{.Names}}");
    assertOk(list);
    assertThat(list.out()).contains(sandbox).doesNotContain(unlabelled);
  }

  @Test
  void sandboxLifecycleCreateStartExecStopRemove() throws Exception {
    String name = "life-" + docker.run;
    List<String> flags = new ArrayList<>(docker.hardenedFlags());
    flags.addAll(List.of("--name", name));
    assertOk(docker.proxied(proxy, docker.create(flags)));
    assertOk(docker.proxied(proxy, "start", name));
    Result exec = docker.proxied(proxy, "exec", name, "echo", "hello-from-sandbox");
    assertOk(exec);
    assertThat(exec.out()).contains("hello-from-sandbox");
    Result stdin = docker.command(proxy, "piped-stdin\n", "docker", "exec", "-i", name, "cat");
    assertOk(stdin);
    assertThat(stdin.out()).contains("piped-stdin");
    Result inspect = docker.proxied(proxy, "inspect", "--format", "{{.State.Running}}", name);
    assertThat(inspect.out().trim()).isEqualTo("true");
    assertOk(docker.proxied(proxy, "stop", "-t", "1", name));
    assertOk(docker.proxied(proxy, "rm", name));
    assertThat(docker.count("ps", "-aq", "--filter", "name=^/" + name + "$")).isZero();
  }

  @Test
  void execWithATerminal() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) from bsdutils is needed for a pty");
    Result tty = docker.command(proxy, null, "script", "-qec",
        "docker exec -t " + sandbox + " sh -c '[ -t 1 ] && echo is-a-tty'", "/dev/null");
    assertOk(tty);
    assertThat(tty.out()).contains("is-a-tty");
    Result interactive = docker.command(proxy, "typed-line\n", "script", "-qec",
        "docker exec -it " + sandbox + " sh -c 'read x; echo got-$x'", "/dev/null");
    assertOk(interactive);
    assertThat(interactive.out()).contains("got-typed-line");
  }

  static Stream<Arguments> createAttacks() {
    return Stream.of(
        Arguments.of("privileged", List.of("--privileged"), true),
        Arguments.of("mounts", List.of("-v", "/:/host"), true),
        Arguments.of("mounts", List.of("--mount", "type=bind,source=/,target=/host"), true),
        Arguments.of("mounts", List.of("--mount",
            "type=volume,source=v,target=/h,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/"), true),
        Arguments.of("cap_add", List.of("--cap-add", "SYS_ADMIN"), true),
        Arguments.of("host_namespace", List.of("--network", "host"), false),
        Arguments.of("host_namespace", List.of("--pid", "host"), true),
        Arguments.of("devices", List.of("--device", "/dev/null"), true),
        Arguments.of("security_opt", List.of("--security-opt", "seccomp=unconfined"), true),
        Arguments.of("security_opt", List.of("--security-opt", "apparmor=unconfined"), true),
        Arguments.of("sysctls", List.of("--sysctl", "net.ipv4.ip_forward=1"), true));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("createAttacks")
  void createAttacksAreRefused(String rule, List<String> attack, boolean withNetworkNone) throws Exception {
    List<String> flags = new ArrayList<>(docker.hardenedFlags());
    if (!withNetworkNone) {
      int network = flags.indexOf("--network");
      flags.remove(network + 1);
      flags.remove(network);
    }
    flags.addAll(attack);
    assertRefusedWithoutCreating(rule, () -> docker.proxied(proxy, docker.create(flags)));
  }

  @Test
  void unlabelledContainersCannotBeCreated() throws Exception {
    List<String> flags = new ArrayList<>(docker.hardenedFlags());
    flags.remove("clincher.sandbox=1");
    flags.remove(flags.indexOf("--label"));
    assertRefusedWithoutCreating("sandbox_label", () -> docker.proxied(proxy, docker.create(flags)));
  }

  @Test
  void unsandboxedImagesCannotBeUsed() throws Exception {
    assertThat(docker.direct("tag", IMAGE, "plain-image-" + docker.run).exit()).isZero();
    try {
      List<String> args = new ArrayList<>(List.of("create"));
      args.addAll(docker.hardenedFlags());
      args.addAll(List.of("plain-image-" + docker.run, "sleep", "1"));
      assertRefusedWithoutCreating("image", () -> docker.proxied(proxy, args.toArray(String[]::new)));
    } finally {
      docker.direct("rmi", "plain-image-" + docker.run);
    }
  }

  @Test
  void unlabelledContainersCannotBeTouched() throws Exception {
    for (String[] args : List.of(new String[] {"start", unlabelled}, new String[] {"rm", "-f", unlabelled},
        new String[] {"exec", unlabelled, "id"}, new String[] {"inspect", unlabelled},
        new String[] {"kill", unlabelled})) {
      Result result = docker.proxied(proxy, args);
      assertThat(result.exit()).as(String.join(" ", args)).isNotZero();
    }
    assertThat(proxy.decisions().count("deny", "not_a_sandbox")).isGreaterThanOrEqualTo(4);
    Result state = docker.direct("inspect", "--format", "{{.State.Status}}", unlabelled);
    assertThat(state.out().trim()).isEqualTo("created");
  }

  @Test
  void rootExecIsRefused() throws Exception {
    assertRefused("exec_user", docker.proxied(proxy, "exec", "-u", "root", sandbox, "id"));
    assertRefused("privileged", docker.proxied(proxy, "exec", "--privileged", sandbox, "id"));
  }

  @Test
  void imageInspectIsOpenForAdmittedNamesOnly() throws Exception {
    assertOk(docker.proxied(proxy, "image", "inspect", "--format", "{{.Id}}", IMAGE));
    String id = docker.direct("image", "inspect", "--format", "{{.Id}}", IMAGE).out().trim();
    String other = "other-" + docker.run + ":latest"; // the same image under a name outside the allowlist
    assertOk(docker.direct("tag", IMAGE, other));
    try {
      assertRefused("image", docker.proxied(proxy, "image", "inspect", other));
      assertRefused("image", docker.proxied(proxy, "image", "inspect", id));
      assertRefused("image", docker.proxied(proxy, "image", "inspect", id.substring("sha256:".length(), 19)));
      assertRefused("IMAGES", docker.proxied(proxy, "image", "history", IMAGE));
      assertRefused("IMAGES", docker.proxied(proxy, "image", "ls"));
      Result missing = docker.proxied(proxy, "image", "inspect", "clincher-sandbox-missing-" + docker.run);
      assertThat(missing.exit()).isNotZero();
      assertThat(missing.err()).contains("No such image").doesNotContain(DENIED);
    } finally {
      docker.direct("rmi", other);
    }
  }

  @Test
  void buildIsRefused() throws Exception {
    Path context = Files.createTempDirectory("clincher-build");
    Files.writeString(context.resolve("Dockerfile"), "FROM " + IMAGE + "\nRUN echo built\n");
    int images = docker.count("images", "-q");
    Result result = docker.proxied(proxy, "build", "-t", "evil-" + docker.run, context.toString());
    assertThat(result.exit()).isNotZero();
    assertThat(proxy.decisions().count("deny", "BUILD") + proxy.decisions().count("deny", "SESSION")
        + proxy.decisions().count("deny", "GRPC")).isPositive();
    assertThat(docker.count("images", "-q")).isEqualTo(images);
  }

  @Test
  void commitExportAndCopyAreRefused() throws Exception {
    int images = docker.count("images", "-q");
    assertRefused("COMMIT", docker.proxied(proxy, "commit", sandbox, "evil-" + docker.run));
    assertThat(docker.count("images", "-q")).isEqualTo(images);
    Path out = Files.createTempDirectory("clincher-cp");
    assertRefused("ALLOW_EXPORT", docker.proxied(proxy, "export", "-o", out.resolve("x.tar").toString(), sandbox));
    double archiveDenials = proxy.decisions().count("deny", "ALLOW_ARCHIVE");
    assertThat(docker.proxied(proxy, "cp", sandbox + ":/bin/busybox", out.toString()).exit()).isNotZero();
    Files.writeString(out.resolve("in.txt"), "payload");
    assertThat(docker.proxied(proxy, "cp", out.resolve("in.txt").toString(), sandbox + ":/tmp/").exit())
        .isNotZero();
    assertThat(proxy.decisions().count("deny", "ALLOW_ARCHIVE")).isGreaterThanOrEqualTo(archiveDenials + 2);
    assertThat(Files.exists(out.resolve("busybox"))).isFalse();
    assertThat(docker.direct("exec", sandbox, "ls", "/tmp").out()).doesNotContain("in.txt");
  }

  @Test
  void networkVolumeSwarmSecretPluginAndPruneAreRefused() throws Exception {
    int networks = docker.count("network", "ls", "-q");
    int volumes = docker.count("volume", "ls", "-q");
    int containers = docker.count("ps", "-aq");
    assertRefused("NETWORKS", docker.proxied(proxy, "network", "create", "evil-" + docker.run));
    assertRefused("VOLUMES", docker.proxied(proxy, "volume", "create", "evil-" + docker.run));
    assertRefused("SWARM", docker.proxied(proxy, "swarm", "init"));
    assertRefused("SECRETS", docker.proxied(proxy, "secret", "ls"));
    assertRefused("PLUGINS", docker.proxied(proxy, "plugin", "ls"));
    assertRefused("ALLOW_PRUNE", docker.proxied(proxy, "system", "prune", "-f"));
    assertThat(docker.count("network", "ls", "-q")).isEqualTo(networks);
    assertThat(docker.count("volume", "ls", "-q")).isEqualTo(volumes);
    assertThat(docker.count("ps", "-aq")).isEqualTo(containers);
    assertThat(docker.direct("info", "--format", "{{.Swarm.LocalNodeState}}").out().trim()).isEqualTo("inactive");
  }

  @FunctionalInterface
  interface CliCall {
    Result call() throws Exception;
  }

  private void assertRefusedWithoutCreating(String rule, CliCall call) throws Exception {
    int before = docker.count("ps", "-aq");
    assertRefused(rule, call.call());
    assertThat(docker.count("ps", "-aq")).as("containers after a refused create").isEqualTo(before);
  }

  private void assertRefused(String rule, Result result) {
    assertThat(result.exit()).as(result.all()).isNotZero();
    assertThat(result.err()).contains(DENIED).contains("rule " + rule);
  }

  private static void assertOk(Result result) {
    assertThat(result.exit()).as(result.all()).isZero();
  }
}
