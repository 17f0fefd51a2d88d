package dev.clincher.gateway.sandbox;

/** The sandboxes of sessions as the session layer sees them: opened by tool calls, released with the session. */
public interface SessionSandboxes {

  /** The handle of this agent's session's sandbox, for its tools; the container is created on first use. */
  SessionSandbox forSession(String agent, String sessionId);

  /** The session is gone: its sandbox (when it has its own) can go too. */
  void sessionDeleted(String agent, String sessionId) throws SandboxException, InterruptedException;
}
