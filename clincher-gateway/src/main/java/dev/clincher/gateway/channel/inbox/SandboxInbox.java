package dev.clincher.gateway.channel.inbox;

import dev.clincher.gateway.channel.InboundFile;
import dev.clincher.gateway.sandbox.ExecResult;
import dev.clincher.gateway.sandbox.Sandbox;
import dev.clincher.gateway.sandbox.SandboxException;
import dev.clincher.gateway.sandbox.SessionSandbox;
import java.time.Duration;
import java.util.List;

/**
 * Puts a file a user sent into the session's sandbox workspace, at {@code /workspace/inbox/<safe name>}, through the
 * session's sandbox handle (the bytes go as stdin, the name as an argument: nothing is interpreted by a shell). A name
 * already taken gets a number ({@code report-2.pdf}); the file is created exclusively ({@code set -C}), so an
 * existing file, or a link planted in its place, is never written through.
 */
public final class SandboxInbox {
  public static final String DIRECTORY = Sandbox.WORKSPACE + "/inbox";
  /** How many numbered names are tried before giving up. */
  static final int MAX_TRIES = 20;
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** Exit code of the script when the name is taken. */
  private static final int TAKEN = 17;
  /** Run in the workspace: {@code $1} is the safe name. */
  private static final String SCRIPT = "mkdir -p inbox && if [ -e \"inbox/$1\" ] || [ -L \"inbox/$1\" ]; then exit "
      + TAKEN + "; fi; set -C; cat > \"inbox/$1\"";

  private SandboxInbox() {}

  /** Writes the file; returns its path in the sandbox. */
  public static String put(SessionSandbox sandbox, InboundFile file) throws SandboxException, InterruptedException {
    String safe = InboxFileName.safe(file.name());
    for (int n = 1; n <= MAX_TRIES; n++) {
      String name = n == 1 ? safe : InboxFileName.numbered(safe, n);
      ExecResult result = sandbox.exec(List.of("sh", "-c", SCRIPT, "sh", name), file.content(), TIMEOUT, 4096);
      if (result.exitCode() == 0) {
        return DIRECTORY + "/" + name;
      }
      if (result.exitCode() != TAKEN && !result.stderrText().contains("exists")) {
        throw new SandboxException("writing " + DIRECTORY + "/" + name + " failed (exit " + result.exitCode() + "): "
            + result.stderrText());
      }
    }
    throw new SandboxException("no free name for " + safe + " in " + DIRECTORY + " after " + MAX_TRIES + " tries");
  }
}
