package dev.clincher.app.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.clincher.app.watchdog.Docker.ContainerState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The watchdog against a fake notification endpoint (ntfy and Telegram shapes) with injected failures. */
class WatchdogTest {
  /**
   * A local image with {@code sh}, {@code head} and {@code tail}: the busybox image {@code clincher-socket-proxy/ci-setup.sh}
   * imports before any test runs (the Debian base of deploy/images/build only exists once the topology test has built
   * it, which runs after this module on a fresh machine).
   */
  private static final String TEST_IMAGE = "clincher-sandbox-test:latest";
  private static final String TOKEN = "123456:SECRET-bot-token-never-logged";
  private static final String HEALTHY_MEMINFO = "MemTotal: 1000000 kB\nMemAvailable: 500000 kB\n"
      + "SwapTotal: 0 kB\nSwapFree: 0 kB\n";

  @TempDir Path dir;
  private HttpServer server;
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  /** A host whose numbers a test sets. */
  private static final class FakeHost implements HostSource {
    volatile String meminfo = HEALTHY_MEMINFO;
    volatile DiskUse disk = new DiskUse(10, 90);
    final Map<String, Boolean> failedUnits = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public String meminfo() {
      return meminfo;
    }

    @Override
    public DiskUse disk(Path path) {
      return disk;
    }

    @Override
    public java.util.Optional<Boolean> unitFailed(String unit) {
      return java.util.Optional.ofNullable(failedUnits.get(unit));
    }
  }

  /** Docker with a fixed list of containers, remembering restarts. */
  private static final class FakeDocker implements Docker {
    volatile List<ContainerState> containers = List.of();
    final List<String> restarted = new CopyOnWriteArrayList<>();

    @Override
    public List<ContainerState> containers(String project) {
      return containers;
    }

    @Override
    public void restart(String name) {
      restarted.add(name);
    }
  }

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      paths.add(exchange.getRequestURI().getPath());
      received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    logs.start();
    root.addAppender(logs);
  }

  @AfterEach
  void stop() {
    root.detachAppender(logs);
    server.stop(0);
  }

  private URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private WatchdogConfig config(Path backups) {
    return new WatchdogConfig(dir, "wdtest", backups, dir.resolve("state/watchdog.json"), Duration.ofHours(6), 85, 90,
        Duration.ofHours(26), Duration.ofDays(14), List.of("clincher-backup-verify.service"));
  }

  private Path oldBackup(Instant now) throws IOException {
    Path backups = dir.resolve("backups");
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
        .format(now.minus(Duration.ofHours(30)));
    Files.createDirectories(backups.resolve("clincher-backup-" + stamp));
    return backups;
  }

  @Test
  void ntfyGetsEachFindingOnceAndResolvedOnce() throws IOException {
    Instant now = Instant.parse("2026-03-20T12:00:00Z");
    FakeHost host = new FakeHost();
    host.meminfo = "MemTotal: 1000000 kB\nMemAvailable: 50000 kB\nSwapTotal: 2048000 kB\nSwapFree: 1024000 kB\n";
    host.disk = new HostSource.DiskUse(90, 10);
    FakeDocker docker = new FakeDocker();
    docker.containers = List.of(new ContainerState("wdtest-gateway-1", "gateway", "running", "unhealthy", false, ""),
        new ContainerState("wdtest-redis-1", "redis", "exited", "", false, "t1"));
    Notifier ntfy = HttpNotifiers.ntfy(base().resolve("/clincher-alerts"), null, Map.of());
    Watchdog watchdog = new Watchdog(config(oldBackup(now)), host, docker, ntfy, Clock.fixed(now, ZoneOffset.UTC));

    assertThat(watchdog.runOnce()).isTrue();
    assertThat(received).hasSize(6);
    assertThat(String.join("\n", received)).contains("disk of", "memory is 95 %", "swap is in use",
        "is 30 h old", "wdtest-gateway-1 is unhealthy; restarted", "restart.never-redis");
    assertThat(paths).containsOnly("/clincher-alerts");
    assertThat(docker.restarted).containsExactly("wdtest-gateway-1");

    watchdog.runOnce();
    assertThat(received).as("a second run sends nothing new").hasSize(6);

    host.failedUnits.put("clincher-backup-verify.service", true);
    watchdog.runOnce();
    assertThat(received).hasSize(7);
    assertThat(received.get(6)).contains("systemd unit clincher-backup-verify.service failed its last run");
    host.failedUnits.put("clincher-backup-verify.service", false);
    watchdog.runOnce();
    assertThat(received).hasSize(8);
    assertThat(received.get(7)).startsWith("resolved: systemd unit clincher-backup-verify.service");
    received.subList(6, 8).clear();

    host.meminfo = "MemTotal: 1000000 kB\nMemAvailable: 500000 kB\nSwapTotal: 2048000 kB\nSwapFree: 1024000 kB\n";
    watchdog.runOnce();
    assertThat(received).hasSize(7);
    assertThat(received.get(6)).startsWith("resolved: memory is 95 %");
    watchdog.runOnce();
    assertThat(received).as("resolved is sent once").hasSize(7);

    Watchdog later = new Watchdog(config(dir.resolve("backups")), host, docker, ntfy,
        Clock.fixed(now.plus(Duration.ofHours(7)), ZoneOffset.UTC));
    later.runOnce();
    assertThat(received).as("still wrong after the re-notify period: sent again").hasSize(12);
  }

  @Test
  void telegramSendsToTheChatAndTheTokenIsNeverLogged() throws IOException {
    Path tokenFile = Files.writeString(dir.resolve("tg-token"), TOKEN + "\n");
    FakeHost host = new FakeHost();
    host.disk = new HostSource.DiskUse(86, 14);
    WatchdogCommand command = new WatchdogCommand(Map.of(), host, new FakeDocker());
    int exit = new picocli.CommandLine(command).execute("--deploy", dir.toString(), "--once", "--state",
        dir.resolve("state.json").toString(), "--notify", "telegram", "--telegram-chat-id", "4242",
        "--telegram-token-file", tokenFile.toString(), "--telegram-api", base().toString());

    assertThat(exit).isZero();
    assertThat(paths).containsExactly("/bot" + TOKEN + "/sendMessage");
    assertThat(received.getFirst()).contains("\"chat_id\":\"4242\"", "86 % full");
    server.stop(0);
    host.disk = new HostSource.DiskUse(10, 90);
    Files.delete(dir.resolve("state.json"));
    host.disk = new HostSource.DiskUse(87, 13);
    int failed = new picocli.CommandLine(new WatchdogCommand(Map.of(), host, new FakeDocker())).execute("--deploy", dir.toString(), "--once", "--state",
        dir.resolve("state.json").toString(), "--notify", "telegram", "--telegram-chat-id", "4242",
        "--telegram-token-file", tokenFile.toString(), "--telegram-api", base().toString());
    assertThat(failed).as("the endpoint is down: not delivered").isEqualTo(1);
    String logged = logs.list.stream().map(e -> e.getFormattedMessage() + e.getKeyValuePairs()).reduce("", String::concat);
    assertThat(logged).contains("notify-failed").doesNotContain("SECRET-bot-token");
  }

  @Test
  void anExitedLabelledContainerIsRestartedWithItsRule() throws Exception {
    String project = "wdtest-" + UUID.randomUUID().toString().substring(0, 8);
    try {
      docker("run", "-d", "--name", project + "-worker-1", "--label", "com.docker.compose.project=" + project,
          "--label", "com.docker.compose.service=worker", TEST_IMAGE, "sh", "-c", "exit 3");
      docker("run", "-d", "--name", project + "-redis-1", "--label", "com.docker.compose.project=" + project,
          "--label", "com.docker.compose.service=redis", TEST_IMAGE, "sh", "-c", "exit 1");
      docker("wait", project + "-worker-1", project + "-redis-1");
      WatchdogConfig config = new WatchdogConfig(dir, project, null, dir.resolve("state.json"), Duration.ofHours(6),
          85, 90, Duration.ofHours(26), Duration.ofDays(14), List.of());
      Notifier ntfy = HttpNotifiers.ntfy(base().resolve("/t"), null, Map.of());
      new Watchdog(config, new FakeHost(), Docker.CLI, ntfy, Clock.systemUTC()).runOnce();

      assertThat(logs.list).anySatisfy(event -> assertThat(event.getFormattedMessage() + event.getKeyValuePairs())
          .contains("restarted container " + project + "-worker-1", "restart.exited"));
      assertThat(logs.list).noneSatisfy(event -> assertThat(event.getFormattedMessage())
          .contains("restarted container " + project + "-redis-1"));
      assertThat(String.join("\n", received)).contains(project + "-worker-1 is exited; restarted",
          project + "-redis-1 is exited; not restarted");
    } finally {
      for (String name : List.of("-worker-1", "-redis-1")) {
        new ProcessBuilder("docker", "rm", "-f", project + name).start().waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void anAcmeCertificateNearItsEndIsReportedAndCaddysOwnShortLivedCertificatesAreNot() throws Exception {
    Path certificates = dir.resolve("data/caddy/certificates");
    certificate(certificates.resolve("acme-v02.api.letsencrypt.org-directory/example.org/example.org.crt"), 5);
    certificate(certificates.resolve("acme-v02.api.letsencrypt.org-directory/fresh.example.org/fresh.crt"), 80);
    certificate(certificates.resolve("local/internal.example/internal.example.crt"), 1);
    certificate(dir.resolve("data/caddy/pki/authorities/local/intermediate.crt"), 1);
    Files.createDirectories(certificates.resolve("acme-v02.api.letsencrypt.org-directory/broken"));
    Files.writeString(certificates.resolve("acme-v02.api.letsencrypt.org-directory/broken/broken.crt"), "garbage");
    Notifier ntfy = HttpNotifiers.ntfy(base().resolve("/t"), null, Map.of());
    Watchdog watchdog = new Watchdog(config(null), new FakeHost(), new FakeDocker(), ntfy, Clock.systemUTC());

    assertThat(watchdog.runOnce()).isTrue();
    String sent = String.join("\n", received);
    assertThat(sent).contains("certificate example.org.crt expires", "days left, limit 14)",
        "certificate broken.crt cannot be read");
    assertThat(sent).doesNotContain("fresh.crt", "internal.example", "intermediate");
    assertThat(received).hasSize(2);
  }

  @Test
  void aContainerOomKilledTwiceWithinAnHourIsNotRestartedAgain() throws IOException {
    Instant now = Instant.parse("2026-03-20T12:00:00Z");
    FakeDocker docker = new FakeDocker();
    Notifier ntfy = HttpNotifiers.ntfy(base().resolve("/t"), null, Map.of());
    docker.containers = List.of(new ContainerState("wdtest-router-1", "router", "exited", "", true, "kill-1"));
    watchdogAt(now, docker, ntfy).runOnce();
    assertThat(docker.restarted).as("the first OOM kill is restarted").containsExactly("wdtest-router-1");

    docker.containers = List.of(new ContainerState("wdtest-router-1", "router", "exited", "", true, "kill-2"));
    watchdogAt(now.plus(Duration.ofMinutes(20)), docker, ntfy).runOnce();
    assertThat(docker.restarted).as("the second within the hour is not").hasSize(1);
    assertThat(String.join("\n", received)).contains("OOM-killed 2 times within an hour (rule restart.oom-repeated)");

    docker.containers = List.of(new ContainerState("wdtest-router-1", "router", "exited", "", true, "kill-3"));
    watchdogAt(now.plus(Duration.ofMinutes(150)), docker, ntfy).runOnce();
    assertThat(docker.restarted).as("an OOM kill after the hour is alone again: restarted")
        .containsExactly("wdtest-router-1", "wdtest-router-1");
  }

  @Test
  void dockerReportsARealOomKillAndTheWatchdogSeesIt() throws Exception {
    String project = "wdoom-" + UUID.randomUUID().toString().substring(0, 8);
    String name = project + "-hog-1";
    try {
      // tail keeps the one endless line from /dev/zero in memory: the kernel's OOM killer ends it at 32 MiB.
      docker("run", "-d", "--name", name, "--memory", "32m", "--memory-swap", "32m", "--label",
          "com.docker.compose.project=" + project, "--label", "com.docker.compose.service=hog",
          TEST_IMAGE, "sh", "-c", "head -c 512m /dev/zero | tail");
      docker("wait", name);
      List<ContainerState> states = Docker.CLI.containers(project);
      assertThat(states).singleElement().satisfies(state -> {
        assertThat(state.oomKilled()).isTrue();
        assertThat(state.status()).isEqualTo("exited");
      });
      FakeDocker recorder = new FakeDocker();
      recorder.containers = states;
      Notifier ntfy = HttpNotifiers.ntfy(base().resolve("/t"), null, Map.of());
      watchdogAt(Instant.now(), recorder, ntfy).runOnce();
      assertThat(String.join("\n", received)).contains(name + " is oom-killed; restarted");
    } finally {
      new ProcessBuilder("docker", "rm", "-f", name).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  private Watchdog watchdogAt(Instant now, FakeDocker docker, Notifier notifier) {
    return new Watchdog(config(null), new FakeHost(), docker, notifier, Clock.fixed(now, ZoneOffset.UTC));
  }

  /** A self-signed certificate made by openssl, valid for {@code days} from now. */
  private static void certificate(Path file, int days) throws Exception {
    Files.createDirectories(file.getParent());
    Process process = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-days", String.valueOf(days), "-subj", "/CN=watchdog-test",
        "-keyout", file.resolveSibling("key.pem").toString(), "-out", file.toString())
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }

  private static void docker(String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "docker";
    System.arraycopy(args, 0, command, 1, args.length);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }
}
