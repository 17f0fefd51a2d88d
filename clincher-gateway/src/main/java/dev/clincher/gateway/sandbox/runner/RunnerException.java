package dev.clincher.gateway.sandbox.runner;

import java.io.IOException;

/** The command runner failed a command that it may have started: the command's result is unknown. */
public class RunnerException extends IOException {
  private final String rule;

  public RunnerException(String rule, String message) {
    super(message);
    this.rule = rule;
  }

  /** The machine-readable reason, for the log line and metrics ({@code runner_protocol}, {@code runner_gone}, …). */
  public String rule() {
    return rule;
  }
}
