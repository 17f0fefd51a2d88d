package dev.clincher.gateway.sandbox.runner;

/**
 * The command runner cannot take this command and did not start it, so the caller may run it another way (a Docker
 * exec). {@link #permanent()} says whether the runner is gone for good or only could not take this one command.
 */
public final class RunnerUnavailableException extends RunnerException {
  private final boolean permanent;

  RunnerUnavailableException(String rule, String message, boolean permanent) {
    super(rule, message);
    this.permanent = permanent;
  }

  public boolean permanent() {
    return permanent;
  }
}
