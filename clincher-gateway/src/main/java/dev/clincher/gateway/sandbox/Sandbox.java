package dev.clincher.gateway.sandbox;

/** One running sandbox container. Thread-safe: several execs may run at once. */
public interface Sandbox {
  /** The workspace inside every sandbox (a volume): commands run there and the session's files live there. */
  String WORKSPACE = "/workspace";

  /** The full Docker container ID. */
  String containerId();

  /** Runs a command in the container (never through the host's shell) and collects its output. */
  ExecResult exec(ExecRequest request) throws SandboxException, InterruptedException;
}
