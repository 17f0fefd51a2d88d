package dev.clincher.gateway.sandbox;

import java.time.Duration;
import java.util.List;

/**
 * A command to run in a sandbox.
 *
 * @param argv the program and its arguments (for a shell command: {@code sh -c <command>})
 * @param stdin bytes written to the command's standard input, then closed; {@code null} for none
 * @param timeout after this the command is killed and the result says so
 * @param outputCap at most this many bytes of stdout and of stderr are kept; the rest is counted and dropped
 * @param workdir the working directory inside the container; {@code null} for the workspace
 */
public record ExecRequest(List<String> argv, byte[] stdin, Duration timeout, int outputCap, String workdir) {

  public ExecRequest {
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv must not be empty");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    if (outputCap <= 0) {
      throw new IllegalArgumentException("outputCap must be positive");
    }
  }
}
