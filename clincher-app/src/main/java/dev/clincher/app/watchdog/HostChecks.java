package dev.clincher.app.watchdog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Disk use of the deployment's file system, memory use, swap use and the operations units' last runs. */
final class HostChecks {
  private HostChecks() {}

  static List<Finding> check(HostSource host, Path deploy, WatchdogConfig config) throws IOException {
    List<Finding> found = new ArrayList<>();
    int disk = host.disk(deploy).percent();
    if (disk > config.diskPercent()) {
      found.add(new Finding("host:disk", "host.disk", "disk of " + deploy + " is " + disk + " % full (limit "
          + config.diskPercent() + " %)"));
    }
    Map<String, Long> meminfo = parseMeminfo(host.meminfo());
    long total = meminfo.getOrDefault("MemTotal", 0L);
    long available = meminfo.getOrDefault("MemAvailable", total);
    int memory = total == 0 ? 0 : (int) Math.ceil((total - available) * 100.0 / total);
    if (memory > config.memoryPercent()) {
      found.add(new Finding("host:memory", "host.memory", "memory is " + memory + " % in use (limit "
          + config.memoryPercent() + " %)"));
    }
    long swapUsed = meminfo.getOrDefault("SwapTotal", 0L) - meminfo.getOrDefault("SwapFree", 0L);
    if (swapUsed > 0) {
      found.add(new Finding("host:swap", "host.swap", "swap is in use: " + swapUsed / 1024 + " MiB of "
          + meminfo.get("SwapTotal") / 1024 + " MiB (the host is short of memory)"));
    }
    for (String unit : config.units()) {
      if (host.unitFailed(unit).orElse(false)) {
        found.add(new Finding("unit:" + unit, "unit.failed", "systemd unit " + unit + " failed its last run "
            + "(journalctl -u " + unit + ")"));
      }
    }
    return found;
  }

  /** {@code Name: value kB} lines, values in kB. */
  static Map<String, Long> parseMeminfo(String text) {
    Map<String, Long> values = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] parts = line.trim().split("[:\\s]+");
      if (parts.length >= 2 && parts[1].matches("\\d+")) {
        values.put(parts[0], Long.parseLong(parts[1]));
      }
    }
    return values;
  }
}
