package dev.clincher.gateway.sandbox.docker;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A connection attached to a container's stdio ({@code POST /containers/{id}/attach}, hijacked): what is written to
 * {@link #stdin()} reaches the container's main process, and {@link #stdout()} yields what it prints. It has no
 * deadline: it lives as long as the container or until {@link #close()}.
 */
public final class Attachment implements AutoCloseable {
  private final DockerConnection connection;
  private final InputStream stdout;

  Attachment(DockerConnection connection) {
    this.connection = connection;
    this.stdout = new AttachedStdout(connection.in());
  }

  /** The container's standard output (its standard error is discarded). */
  public InputStream stdout() {
    return stdout;
  }

  /** The container's standard input; buffered, so flush after each message. */
  public OutputStream stdin() {
    return connection.out();
  }

  @Override
  public void close() {
    connection.close();
  }
}
