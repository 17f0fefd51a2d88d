package dev.clincher.gateway.sandbox;

/** The sandboxes of sessions as the session layer sees them: opened by tool calls, released with the session. */
public interface SessionSandboxes {

  /** The sandbox serving this agent's session, created on first use. */
  Sandbox open(String agent, String sessionId) throws SandboxException, InterruptedException;

  /** The session is gone: its sandbox (when it has its own) can go too. */
  void sessionDeleted(String agent, String sessionId) throws SandboxException, InterruptedException;
}
