package dev.clincher.gateway.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What a command did.
 *
 * @param exitCode the exit code ({@code -1} when it was killed on timeout and Docker reported none)
 * @param stdout at most the request's output cap of standard output
 * @param stderr at most the request's output cap of standard error
 * @param droppedBytes how many output bytes were dropped beyond the caps
 * @param timedOut whether the command was killed because it ran past its timeout
 * @param took wall time from exec create to the end of the output
 */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, long droppedBytes, boolean timedOut,
    Duration took) {

  public boolean truncated() {
    return droppedBytes > 0;
  }

  /** Standard error as text for an error message: trimmed, at most 2,000 characters. */
  public String stderrText() {
    String text = new String(stderr, StandardCharsets.UTF_8).trim();
    return text.length() > 2000 ? text.substring(0, 2000) + "…" : text;
  }
}
