package dev.clincher.app.watchdog;

import dev.clincher.app.DurationConverter;
import dev.clincher.app.audit.Deployment;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code clincher watchdog --deploy DIR [--once]} (docs/operations.md#watchdog). Exit codes: 0 checked (findings are
 * notified, not failures), 1 a notification could not be sent, 2 bad usage.
 */
@Command(name = "watchdog", mixinStandardHelpOptions = true,
    description = "Check a compose deployment (containers, disk, memory, swap, backups, certificate), restart what is "
        + "safe, and notify through ntfy or Telegram, each condition once.")
public final class WatchdogCommand implements Callable<Integer> {
  @Option(names = "--deploy", required = true, paramLabel = "DIR", description = "The compose deployment.")
  Path deploy;

  @Option(names = "--once", description = "Check once and exit (the systemd timer's way); else every --interval.")
  boolean once;

  @Option(names = "--interval", defaultValue = "5m", converter = DurationConverter.class, paramLabel = "DURATION")
  Duration interval;

  @Option(names = "--backups", paramLabel = "DIR", description = "Backup directory whose newest backup must be young.")
  Path backups;

  @Option(names = "--state", defaultValue = "/var/lib/clincher/watchdog-state.json", paramLabel = "FILE")
  Path stateFile;

  @Option(names = "--renotify", defaultValue = "6h", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Notify a condition that stays again after this long (default: ${DEFAULT-VALUE}).")
  Duration renotify;

  @Option(names = "--disk-percent", defaultValue = "85") int diskPercent;

  @Option(names = "--memory-percent", defaultValue = "90") int memoryPercent;

  @Option(names = "--backup-max-age", defaultValue = "26h", converter = DurationConverter.class) Duration backupMaxAge;

  @Option(names = "--certificate-min-days", defaultValue = "14") int certificateMinDays;

  @Option(names = "--notify", defaultValue = "none", paramLabel = "none|ntfy|telegram",
      description = "How to notify (the seed's watchdog_notify_method).")
  String notify;

  @Option(names = "--ntfy-url", paramLabel = "URL", description = "ntfy topic URL, e.g. https://ntfy.sh/my-topic.")
  URI ntfyUrl;

  @Option(names = "--ntfy-token-file", paramLabel = "FILE") Path ntfyTokenFile;

  @Option(names = "--unit", split = ",", paramLabel = "UNIT",
      defaultValue = "clincher-backup.service,clincher-backup-verify.service,clincher-rotate.service",
      description = "systemd units whose failed last run is reported (default: ${DEFAULT-VALUE}).")
  List<String> units;

  @Option(names = "--telegram-chat-id", paramLabel = "ID") String telegramChatId;

  @Option(names = "--telegram-token-file", paramLabel = "FILE", description = "The bot token, read from this file.")
  Path telegramTokenFile;

  @Option(names = "--telegram-api", defaultValue = "https://api.telegram.org", hidden = true) URI telegramApi;

  private final Map<String, String> env;
  private final HostSource host;
  private final Docker docker;

  public WatchdogCommand() {
    this(System.getenv(), HostSource.SYSTEM, Docker.CLI);
  }

  WatchdogCommand(Map<String, String> env, HostSource host, Docker docker) {
    this.env = env;
    this.host = host;
    this.docker = docker;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    Notifier notifier = notifier();
    if (notifier == null) {
      return 2;
    }
    Watchdog watchdog = new Watchdog(config(), host, docker, notifier, Clock.systemUTC());
    while (true) {
      boolean delivered = watchdog.runOnce();
      if (once) {
        return delivered ? 0 : 1;
      }
      Thread.sleep(interval);
    }
  }

  WatchdogConfig config() throws IOException {
    Path env = deploy.resolve(".env");
    String project = (Files.isRegularFile(env) ? Deployment.dotEnv(env) : Map.<String, String>of())
        .getOrDefault("COMPOSE_PROJECT_NAME", deploy.toAbsolutePath().normalize().getFileName().toString());
    return new WatchdogConfig(deploy, project, backups, stateFile, renotify, diskPercent, memoryPercent,
        backupMaxAge, Duration.ofDays(certificateMinDays), List.copyOf(units));
  }

  private Notifier notifier() throws IOException {
    return switch (notify) {
      case "none" -> Notifier.LOG_ONLY;
      case "ntfy" -> ntfyUrl == null ? usage("--notify ntfy needs --ntfy-url")
          : HttpNotifiers.ntfy(ntfyUrl, ntfyTokenFile == null ? null : secret(ntfyTokenFile), env);
      case "telegram" -> telegramChatId == null || telegramTokenFile == null
          ? usage("--notify telegram needs --telegram-chat-id and --telegram-token-file")
          : HttpNotifiers.telegram(telegramApi, secret(telegramTokenFile), telegramChatId, env);
      default -> usage("--notify must be none, ntfy or telegram, not " + notify);
    };
  }

  private static Notifier usage(String message) {
    System.err.println("clincher watchdog: " + message);
    return null;
  }

  private static String secret(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8).strip();
  }
}
