package dev.clincher.app.watchdog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What one watchdog run checks and with which limits. {@code backups} is null when backups are not checked;
 * {@code renotify} is how long a condition that stays is quiet before it is notified again; {@code units} are the
 * systemd units (backup, verification, rotation) whose failed last run is a finding.
 */
record WatchdogConfig(Path deploy, String project, Path backups, Path stateFile, Duration renotify, int diskPercent,
    int memoryPercent, Duration backupMaxAge, Duration certificateMinValidity, List<String> units) {}
