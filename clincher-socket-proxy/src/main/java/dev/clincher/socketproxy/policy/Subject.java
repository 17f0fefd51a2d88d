package dev.clincher.socketproxy.policy;

/** What an endpoint acts on, which the sandbox profile checks before forwarding. */
public enum Subject {
  /** Nothing in particular (ping, version, create). */
  NONE,
  /** The container named in path segment 1 ({@code /containers/{id}/...}). */
  CONTAINER,
  /** The exec instance named in path segment 1 ({@code /exec/{id}/...}), and so the container it runs in. */
  EXEC,
  /** A listing or stream that the sandbox profile narrows with a label filter ({@code filters} query). */
  LISTING
}
