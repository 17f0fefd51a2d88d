package dev.clincher.app.watchdog;

import dev.clincher.app.watchdog.AlertState.Sent;
import dev.clincher.app.watchdog.ContainerChecks.Verdict;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watchdog run: check, restart what is safe, notify what is new, what is still wrong after the re-notify period,
 * and what has cleared; remember what was sent. Every decision is one log line with its rule.
 */
final class Watchdog {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

  private final WatchdogConfig config;
  private final HostSource host;
  private final Docker docker;
  private final Notifier notifier;
  private final Clock clock;

  Watchdog(WatchdogConfig config, HostSource host, Docker docker, Notifier notifier, Clock clock) {
    this.config = config;
    this.host = host;
    this.docker = docker;
    this.notifier = notifier;
    this.clock = clock;
  }

  /** True when every notification that was due was sent. */
  boolean runOnce() throws IOException {
    Instant now = clock.instant();
    AlertState state = AlertState.load(config.stateFile());
    List<Finding> findings = new ArrayList<>();
    findings.addAll(checkContainers(state, now));
    findings.addAll(HostChecks.check(host, config.deploy(), config));
    if (config.backups() != null) {
      BackupAge.check(config.backups(), config.backupMaxAge(), now).ifPresent(findings::add);
    }
    findings.addAll(CertificateExpiry.check(config.deploy().resolve("data/caddy"),
        config.certificateMinValidity(), now));
    boolean delivered = notifyChanges(findings, state, now);
    state.save(config.stateFile());
    return delivered;
  }

  private List<Finding> checkContainers(AlertState state, Instant now) {
    List<Finding> findings = new ArrayList<>();
    List<Docker.ContainerState> containers;
    try {
      containers = docker.containers(config.project());
    } catch (IOException e) {
      findings.add(new Finding("docker:unreachable", "docker.unreachable", "the containers of " + config.project()
          + " could not be listed: " + e.getMessage()));
      return findings;
    }
    for (Verdict verdict : ContainerChecks.check(containers, state, now)) {
      findings.add(verdict.finding());
      String name = verdict.finding().key().split(":")[1];
      verdict.restartRule().ifPresentOrElse(rule -> restart(name, rule), () -> LOG.atWarn()
          .addKeyValue("decision", "report").addKeyValue("rule", verdict.finding().rule())
          .addKeyValue("container", name).log(verdict.finding().message()));
    }
    return findings;
  }

  private void restart(String name, String rule) {
    try {
      docker.restart(name);
      LOG.atWarn().addKeyValue("decision", "restart").addKeyValue("rule", rule).addKeyValue("container", name)
          .log("restarted container " + name);
    } catch (IOException e) {
      LOG.atError().addKeyValue("decision", "restart-failed").addKeyValue("rule", rule)
          .addKeyValue("container", name).log("could not restart container " + name + ": " + e.getMessage());
    }
  }

  private boolean notifyChanges(List<Finding> findings, AlertState state, Instant now) {
    boolean delivered = true;
    Map<String, Finding> current = new LinkedHashMap<>();
    findings.forEach(finding -> current.put(finding.key(), finding));
    for (Finding finding : current.values()) {
      Sent sent = state.sent().get(finding.key());
      if (sent != null && now.toEpochMilli() - sent.atMillis() < config.renotify().toMillis()) {
        LOG.atInfo().addKeyValue("decision", "quiet").addKeyValue("rule", "dedup.already-sent")
            .addKeyValue("key", finding.key()).log("already notified: " + finding.message());
        continue;
      }
      String rule = sent == null ? "notify.new" : "notify.still-wrong";
      if (send(rule, finding.key(), sent == null ? "Clincher alert" : "Clincher alert (still)", finding.message())) {
        state.sent().put(finding.key(), new Sent(finding.message(), now.toEpochMilli()));
      } else {
        delivered = false;
      }
    }
    for (String key : List.copyOf(state.sent().keySet())) {
      if (!current.containsKey(key)) {
        if (send("notify.resolved", key, "Clincher resolved", "resolved: " + state.sent().get(key).message())) {
          state.sent().remove(key);
        } else {
          delivered = false;
        }
      }
    }
    return delivered;
  }

  private boolean send(String rule, String key, String title, String text) {
    try {
      notifier.send(title, text);
      LOG.atWarn().addKeyValue("decision", "notify").addKeyValue("rule", rule).addKeyValue("key", key)
          .addKeyValue("via", notifier.name()).log(text);
      return true;
    } catch (IOException e) {
      LOG.atError().addKeyValue("decision", "notify-failed").addKeyValue("rule", rule).addKeyValue("key", key)
          .addKeyValue("via", notifier.name()).log("could not notify (will retry next run): " + e.getMessage());
      return false;
    }
  }
}
