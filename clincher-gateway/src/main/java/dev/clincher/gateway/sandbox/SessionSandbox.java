package dev.clincher.gateway.sandbox;

import java.time.Duration;
import java.util.List;

/**
 * The sandbox of one session as its tools hold it: the container is opened (created on first use) when a tool runs
 * a command, not when the run starts.
 */
@FunctionalInterface
public interface SessionSandbox {

  /** Opens the session's sandbox; the first call of a session may create the container. */
  Sandbox open() throws SandboxException, InterruptedException;

  /** Runs argv in the session's sandbox, in the workspace; model input goes only as argv or stdin. */
  default ExecResult exec(List<String> argv, byte[] stdin, Duration timeout, int outputCap)
      throws SandboxException, InterruptedException {
    return open().exec(new ExecRequest(argv, stdin, timeout, outputCap, Sandbox.WORKSPACE));
  }

  /** The handle of {@code agent}'s session {@code sessionId}, served by {@code manager}. */
  record Managed(SandboxManager manager, String agent, String sessionId) implements SessionSandbox {
    @Override
    public Sandbox open() throws SandboxException, InterruptedException {
      return manager.open(agent, sessionId);
    }
  }
}
