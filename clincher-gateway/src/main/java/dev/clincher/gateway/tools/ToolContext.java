package dev.clincher.gateway.tools;

import dev.clincher.gateway.sandbox.Sandbox;
import dev.clincher.gateway.sandbox.SandboxException;

/**
 * Who is calling a tool, and the way to the caller's sandbox.
 *
 * @param agent the agent's name
 * @param sessionId the session the run belongs to
 * @param runId the run that made the call
 * @param sandboxes opens (creating on first use) the sandbox of this session
 */
public record ToolContext(String agent, String sessionId, String runId, SandboxAccess sandboxes) {

  /** Opens the caller's sandbox; the first call of a session may create the container. */
  @FunctionalInterface
  public interface SandboxAccess {
    Sandbox open() throws SandboxException, InterruptedException;
  }
}
