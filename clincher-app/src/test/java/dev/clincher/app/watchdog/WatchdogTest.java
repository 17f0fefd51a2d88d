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

    @Override
    public String meminfo() {
      return meminfo;
    }

    @Override
    public DiskUse disk(Path path) {
      return disk;
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
        Duration.ofHours(26), Duration.ofDays(14));
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
          "--label", "com.docker.compose.service=worker", "clincher/debian-base:bookworm-slim", "sh", "-c", "exit 3");
      docker("run", "-d", "--name", project + "-redis-1", "--label", "com.docker.compose.project=" + project,
          "--label", "com.docker.compose.service=redis", "clincher/debian-base:bookworm-slim", "sh", "-c", "exit 1");
      docker("wait", project + "-worker-1", project + "-redis-1");
      WatchdogConfig config = new WatchdogConfig(dir, project, null, dir.resolve("state.json"), Duration.ofHours(6),
          85, 90, Duration.ofHours(26), Duration.ofDays(14));
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
