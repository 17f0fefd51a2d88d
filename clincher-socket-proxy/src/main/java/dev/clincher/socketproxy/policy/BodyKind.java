package dev.clincher.socketproxy.policy;

/** What an endpoint may carry as a request body, and whether the proxy reads it before forwarding. */
public enum BodyKind {
  /** No body: a Content-Length above 0 or a chunked body is refused. */
  NONE,
  /** A container-create body: read fully (bounded) and inspected. */
  CONTAINER_CREATE,
  /** An exec-create body: read fully (bounded) and inspected. */
  EXEC_CREATE,
  /** Any body (build contexts, archives, JSON the proxy does not judge): streamed through. */
  STREAM
}
