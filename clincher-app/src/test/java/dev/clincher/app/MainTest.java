package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
  /** The seed deployment's files, beside the repository as in CI; copies in test resources otherwise. */
  static Path seedFile(String name) {
    Path shared = Path.of("../../shared/seed/examples", name);
    return Files.exists(shared) ? shared : Path.of("src/test/resources/seed", name);
  }

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    CommandLine commandLine = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    int exit = commandLine.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void helpListsTheSubcommands() {
    Run run = run("--help");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("up", "egress", "version");
  }

  @Test
  void everyCommandAndSubcommandAnswersHelp() {
    List<List<String>> paths = new ArrayList<>();
    collectCommands(Main.commandLine(), List.of(), paths);
    assertThat(paths).contains(List.of("version"), List.of("sandbox", "build"), List.of("sandbox", "explain"),
        List.of("sandbox", "list"), List.of("up"));
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      Run run = run(args.toArray(String[]::new));
      assertThat(run.exit()).as(String.join(" ", args) + ": " + run.err()).isZero();
      assertThat(run.out()).as(String.join(" ", args)).contains("Usage:");
    }
  }

  private static void collectCommands(CommandLine command, List<String> path, List<List<String>> paths) {
    command.getSubcommands().forEach((name, sub) -> {
      if (name.equals(sub.getCommandName())) { // aliases are listed too
        List<String> subPath = new ArrayList<>(path);
        subPath.add(name);
        paths.add(subPath);
        collectCommands(sub, subPath, paths);
      }
    });
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aBusyPortIsNamedWithoutAStraySlash() throws Exception {
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Run run = run("egress", "--listen-ip=127.0.0.1", "--listen-port=" + busy.getLocalPort());
      assertThat(run.exit()).isEqualTo(1);
      assertThat(run.err()).contains("cannot listen on 127.0.0.1:" + busy.getLocalPort() + ": ")
          .doesNotContain("/127.0.0.1");
      Run proxy = run("socket-proxy", "--listen=127.0.0.1:" + busy.getLocalPort(), "--profile=sandbox");
      assertThat(proxy.exit()).as(proxy.err()).isEqualTo(1);
      assertThat(proxy.err()).contains("cannot listen on 127.0.0.1:" + busy.getLocalPort() + ": ")
          .doesNotContain("/127.0.0.1");
    }
  }

  @Test
  void badProviderOptionsStopUpBeforeItWritesAnything(@TempDir Path directory) {
    Path state = directory.resolve("state");
    Run noModel = run("up", "--state-dir", state.toString(), "--provider-url", "http://127.0.0.1:8000/v1");
    assertThat(noModel.exit()).isEqualTo(2);
    assertThat(noModel.err()).contains("up: --provider-url needs --model NAME", "http://127.0.0.1:8000/v1/models");
    Run badUrl = run("up", "--state-dir", state.toString(), "--provider-url", "ftp://x/v1", "--model", "m");
    assertThat(badUrl.exit()).isEqualTo(2);
    assertThat(badUrl.err()).contains("--provider-url must be an http:// or https:// URL");
    assertThat(state).doesNotExist();
  }

  @Test
  void versionPrintsTheBuildVersion() {
    assertThat(Version.current()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(run("--version").out()).startsWith("clincher " + Version.current());
    assertThat(run("version").out()).startsWith("clincher " + Version.current());
  }

  @Test
  void theSeedsEgressArgumentsParseUnchanged() throws Exception {
    List<String> args = new ArrayList<>();
    for (String line : Files.readAllLines(seedFile("egress-command.txt"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        args.add(line.trim());
      }
    }
    assertThat(args).contains("--stats-socket-dir=/tmp", "--deny-range=10.0.0.0/8");
    EgressCommand command = new EgressCommand();
    new CommandLine(command).parseArgs(args.toArray(String[]::new));
    EgressSettings settings = command.settings();
    assertThat(settings.listenIp()).isEqualTo("0.0.0.0");
    assertThat(settings.listenPort()).isEqualTo(4750);
    assertThat(settings.aclFile()).contains(Path.of("/etc/smokescreen/acl.yaml"));
    assertThat(settings.denyRanges()).containsExactly("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16");

    // The same settings start a working proxy with the seed's ACL (on a free loopback port for the test).
    EgressSettings runnable = new EgressSettings("127.0.0.1", 0, java.util.Optional.of(seedFile("egress-acl.yaml")),
        settings.denyRanges(), settings.allowRanges(), settings.denyAddresses(), settings.allowAddresses(),
        settings.clientRoles(), settings.allowPlainHttp(), settings.limits(), Duration.ofSeconds(1),
        settings.metricsTokenFile());
    try (EgressServer server = EgressServer.start(runnable)) {
      assertThat(statusOf(server.address(), "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n"))
          .isEqualTo(403);
      assertThat(statusOf(server.address(), "GET /health/readiness HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(200);
    }
  }

  @Test
  void theSeedsSocketProxyEnvironmentSelectsCompatMode() throws Exception {
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    for (String line : Files.readAllLines(seedFile("socket-proxy.env"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        String[] pair = line.trim().split("=", 2);
        env.put(pair[0], pair[1]);
      }
    }
    assertThat(env).containsEntry("CONTAINERS", "1").doesNotContainKey("POST");
    SocketProxyCommand command = new SocketProxyCommand();
    new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs("--listen=127.0.0.1:0");
    dev.clincher.socketproxy.SocketProxySettings settings = command.settings(env);
    assertThat(settings.environment()).containsEntry("CONTAINERS", "1");
    assertThat(settings.listenPort()).isZero();
    assertThat(run("socket-proxy", "--help").out()).contains("--docker-socket", "--profile", "--policy");
  }

  @Test
  void theRouterNamesAMissingConfigFile(@TempDir Path directory) {
    assertThat(run("router", "--help").out()).contains("--config", "--port");
    Path missing = directory.resolve("missing.yaml");
    Run run = run("router", "--config", missing.toString(), "--port", "0");
    assertThat(run.exit()).isNotZero();
    assertThat(run.err()).contains(missing.toString());
  }

  @Test
  void unknownFlagsFailWithAClearMessage() {
    Run run = run("egress", "--listen-ip=127.0.0.1", "--no-such-flag=1");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("Unknown option", "--no-such-flag");
  }

  @Test
  void badRangesFailAtStartUpNamingTheFlag() {
    Run run = run("egress", "--listen-port=0", "--deny-range=10.0.0.0/33");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("--deny-range", "10.0.0.0/33");
  }

  @Test
  void invalidGlobsFailAtStartUpNamingTheFile(@TempDir Path directory) throws Exception {
    Path acl = directory.resolve("acl.yaml");
    Files.writeString(acl, """
        version: v1
        services: []
        default:
          name: default
          project: p
          action: enforce
          allowed_domains: ["foo.*.com"]
        """);
    Run run = run("egress", "--listen-port=0", "--egress-acl-file=" + acl);
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains(acl.toString(), "allowed_domains");
  }

  @Test
  void badDurationsAreRejected() {
    Run run = run("egress", "--connect-timeout=10 seconds");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("not a duration");
    assertThat(DurationConverter.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(DurationConverter.parse("250ms")).isEqualTo(Duration.ofMillis(250));
  }

  static int statusOf(InetSocketAddress proxy, String request) throws Exception {
    try (Socket socket = new Socket(proxy.getAddress(), proxy.getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      byte[] head = socket.getInputStream().readNBytes(12);
      return Integer.parseInt(new String(head, StandardCharsets.US_ASCII).substring(9, 12));
    }
  }
}
