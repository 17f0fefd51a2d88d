package dev.clincher.gateway.sandbox.docker;

import java.io.IOException;

/** Docker answered a call with an error status; the message is Docker's (or the proxy's) own. */
public final class DockerException extends IOException {
  private final int status;

  public DockerException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The HTTP status Docker (or the socket proxy) answered with. */
  public int status() {
    return status;
  }
}
