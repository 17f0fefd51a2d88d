package dev.clincher.app.rotate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code clincher rotate} refusing what it must: weak or unchanged values, a failing signal through the real compose
 * CLI seam (a real process that fails), unknown secrets; and leaving a virtual router key of the gateway alone.
 */
class RotateCommandTest {
  static final String TOKEN = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d0f2a4c6e8b0d2f4a6c8e0b2d4f";
  static final String MASTER = "sk-0a1b2c3d4e5f60718293a4b5c6d7e8f9";

  @TempDir
  Path deploy;
  Path secrets;
  final List<String> signalled = new ArrayList<>();
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void secrets() throws IOException {
    secrets = Files.createDirectories(deploy.resolve("secrets"));
    write("gateway_token", TOKEN);
    write("litellm_master_key", MASTER);
    write("gateway_router_key", MASTER);
  }

  int rotate(ServiceSignals signals, String... args) {
    RotateCommand command = new RotateCommand();
    command.signals = signals;
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--deploy", deploy.toString()));
    return new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(all.toArray(String[]::new));
  }

  int rotate(String... args) {
    return rotate(signalled::add, args);
  }

  @Test
  void anEmptyShortSpacedOrWeakNewValueIsRefusedAndNothingIsWritten() throws IOException {
    String[] weak = {"", "short-value", "a value with spaces that is long enough", "a".repeat(96),
        "0123456789abcdef".repeat(4)};
    for (String value : weak) {
      Path given = Files.writeString(deploy.resolve("new"), value);

      assertThat(rotate("gateway-token", "--from-file", given.toString())).as(value).isEqualTo(1);

      assertThat(err.toString()).contains("refused").doesNotContain(value.isEmpty() ? TOKEN : value);
      assertThat(read("gateway_token")).isEqualTo(TOKEN);
      assertThat(secrets.resolve("gateway_token.previous")).doesNotExist();
      assertThat(signalled).isEmpty();
    }
  }

  @Test
  void theCurrentValueIsNotANewOne() throws IOException {
    Path given = Files.writeString(deploy.resolve("new"), TOKEN + "\n");

    assertThat(rotate("gateway-token", "--from-file", given.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("already holds the new value");
    assertThat(signalled).isEmpty();
  }

  @Test
  void aGivenStrongValueIsWrittenInPlaceAndTheServiceSignalled() throws IOException {
    String fresh = RotatedSecret.GATEWAY_TOKEN.generate();
    Object inode = Files.getAttribute(secrets.resolve("gateway_token"), "unix:ino");
    Path given = Files.writeString(deploy.resolve("new"), fresh + "\n");

    assertThat(rotate("gateway-token", "--from-file", given.toString())).isZero();

    assertThat(read("gateway_token")).isEqualTo(fresh);
    assertThat(Files.getAttribute(secrets.resolve("gateway_token"), "unix:ino")).isEqualTo(inode);
    assertThat(read("gateway_token.previous")).isEqualTo(TOKEN);
    for (String name : List.of("gateway_token", "gateway_token.previous", ".rotate.lock")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.resolve(name)))).as(name)
          .isEqualTo("rw-------");
    }
    assertThat(signalled).containsExactly("gateway");
    assertThat(out.toString()).doesNotContain(fresh).doesNotContain(TOKEN);
  }

  @Test
  void aSignalThatFailsIsReportedWithTheWayToFinishByHand() throws IOException {
    RotateCommand command = new RotateCommand();
    int code = new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute("master-key", "--deploy", deploy.toString(), "--compose", "false");

    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("router was not told")
        .contains("docker-compose kill -s SIGHUP router");
    // the router's file is written (the router keeps its old key until told); the gateway's copy is not yet
    assertThat(read("litellm_master_key")).isNotEqualTo(MASTER);
    assertThat(read("gateway_router_key")).isEqualTo(MASTER);
  }

  @Test
  void aVirtualRouterKeyOfTheGatewayIsLeftAlone() throws IOException {
    Files.writeString(secrets.resolve("gateway_router_key"), "sk-virtual-0123456789abcdef");

    assertThat(rotate("master-key")).isZero();

    assertThat(read("litellm_master_key")).isNotEqualTo(MASTER).startsWith("sk-");
    assertThat(read("gateway_router_key")).isEqualTo("sk-virtual-0123456789abcdef");
    assertThat(signalled).containsExactly("router");
    assertThat(out.toString()).contains("secrets/gateway_router_key: left alone");
  }

  @Test
  void metricsTokensOfOneServiceOrEveryService() throws IOException {
    for (String service : List.of("gateway", "router", "egress", "socket_proxy")) {
      write(service + "_metrics_token", "metrics-" + service + "-0123456789abcdef");
    }

    assertThat(rotate("metrics-token", "--service", "router")).isZero();
    assertThat(signalled).containsExactly("router");
    assertThat(read("gateway_metrics_token")).isEqualTo("metrics-gateway-0123456789abcdef");

    assertThat(rotate("metrics-token")).isZero();
    assertThat(signalled).containsExactly("router", "gateway", "router", "egress", "socket-proxy");
    assertThat(read("gateway_metrics_token")).hasSize(64);
  }

  @Test
  void badUsageIsExitCodeTwo() {
    assertThat(rotate("database-password")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown secret 'database-password'");
    assertThat(rotate("gateway-token", "--service", "router")).isEqualTo(2);
    assertThat(rotate("metrics-token", "--service", "nonsense")).isEqualTo(1);
  }

  @Test
  void aSymbolicLinkIsNotFollowed() throws IOException {
    Path elsewhere = Files.writeString(deploy.resolve("elsewhere"), TOKEN);
    Files.delete(secrets.resolve("gateway_token"));
    Files.createSymbolicLink(secrets.resolve("gateway_token"), elsewhere);

    assertThat(rotate("gateway-token")).isEqualTo(1);
    assertThat(Files.readString(elsewhere)).isEqualTo(TOKEN);
  }

  @Test
  void aSecondRotationWhileOneRunsIsRefused() throws IOException {
    try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(secrets.resolve(".rotate.lock"),
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        java.nio.channels.FileLock held = file.lock()) {
      assertThat(rotate("gateway-token")).isEqualTo(1);
    }
    assertThat(err.toString()).contains("another clincher rotate runs");
    assertThat(read("gateway_token")).isEqualTo(TOKEN);
    assertThat(rotate("gateway-token")).isZero();
  }

  void write(String name, String value) throws IOException {
    Path file = secrets.resolve(name);
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, value);
  }

  String read(String name) throws IOException {
    return Files.readString(secrets.resolve(name));
  }
}
