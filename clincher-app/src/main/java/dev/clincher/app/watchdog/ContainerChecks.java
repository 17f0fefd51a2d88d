package dev.clincher.app.watchdog;

import dev.clincher.app.watchdog.AlertState.OomKill;
import dev.clincher.app.watchdog.Docker.ContainerState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The compose project's containers: unhealthy, restarting, exited or OOM-killed ones are findings; and what may be
 * restarted. Restart is safe for an unhealthy or exited container, except redis (its data would be cut off mid-write;
 * a person decides) and a container OOM-killed twice within an hour (a restart would only repeat it).
 */
final class ContainerChecks {
  static final Duration OOM_WINDOW = Duration.ofHours(1);

  private ContainerChecks() {}

  /** A finding and, when the container should be restarted, the rule allowing it. */
  record Verdict(Finding finding, Optional<String> restartRule) {}

  static List<Verdict> check(List<ContainerState> containers, AlertState state, Instant now) {
    List<Verdict> verdicts = new ArrayList<>();
    for (ContainerState container : containers) {
      int oomKills = countOomKills(container, state, now);
      condition(container, oomKills).ifPresent(condition -> {
        Optional<String> restart = restartRule(container, condition, oomKills);
        // A container the watchdog stops restarting is a new alert, not a repeat of the one it restarted.
        String key = "container:" + container.name() + ":" + condition + (restart.isEmpty() ? ":held" : "");
        verdicts.add(new Verdict(new Finding(key, "container." + condition, describe(container, condition, oomKills)),
            restart));
      });
    }
    return verdicts;
  }

  private static Optional<String> condition(ContainerState container, int oomKills) {
    if (container.oomKilled() && !"running".equals(container.status())) {
      return Optional.of("oom-killed");
    }
    return switch (container.status()) {
      case "restarting" -> Optional.of("restarting");
      case "exited", "dead" -> Optional.of("exited");
      case "running" -> "unhealthy".equals(container.health()) ? Optional.of("unhealthy") : Optional.empty();
      default -> Optional.empty();
    };
  }

  private static Optional<String> restartRule(ContainerState container, String condition, int oomKills) {
    if (condition.equals("restarting")) {
      return Optional.empty();
    }
    if (container.service().equals("redis") || container.name().contains("redis")) {
      return Optional.empty();
    }
    if (oomKills >= 2) {
      return Optional.empty();
    }
    return Optional.of("restart." + condition);
  }

  private static String describe(ContainerState container, String condition, int oomKills) {
    String what = "container " + container.name() + " is " + condition;
    if (condition.equals("restarting")) {
      return what + " (docker restarts it; not restarted by the watchdog)";
    }
    if (container.service().equals("redis") || container.name().contains("redis")) {
      return what + "; not restarted: redis is never restarted by the watchdog (rule restart.never-redis)";
    }
    if (oomKills >= 2) {
      return what + "; not restarted: OOM-killed " + oomKills + " times within an hour (rule restart.oom-repeated)";
    }
    return what + "; restarted";
  }

  /** Records this OOM kill (once per FinishedAt) and counts those of the last hour. */
  private static int countOomKills(ContainerState container, AlertState state, Instant now) {
    List<OomKill> kills = state.oomKills().computeIfAbsent(container.name(), name -> new ArrayList<>());
    kills.removeIf(kill -> kill.seenMillis() < now.minus(OOM_WINDOW).toEpochMilli());
    if (container.oomKilled() && kills.stream().noneMatch(k -> k.finishedAt().equals(container.finishedAt()))) {
      kills.add(new OomKill(container.finishedAt(), now.toEpochMilli()));
    }
    if (kills.isEmpty()) {
      state.oomKills().remove(container.name());
    }
    return kills.size();
  }
}
