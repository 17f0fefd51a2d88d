package dev.clincher.gateway.sandbox.docker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the Docker Engine API listens, parsed from a {@code DOCKER_HOST} value: {@code tcp://host:port} (plain
 * HTTP, as the socket proxy serves it) or {@code unix:///path/to/docker.sock}. TLS ({@code DOCKER_TLS_VERIFY}) is
 * not supported: the gateway talks to the socket proxy on a private network.
 */
public record DockerHost(String host, int port, Path socket) {

  /** Parses {@code tcp://host:port} or {@code unix:///path}; anything else is refused. */
  public static DockerHost parse(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("DOCKER_HOST is empty");
    }
    if (value.startsWith("unix://")) {
      String path = value.substring("unix://".length());
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("DOCKER_HOST unix:// needs an absolute socket path");
      }
      return new DockerHost(null, 0, Path.of(path));
    }
    if (!value.startsWith("tcp://")) {
      throw new IllegalArgumentException("DOCKER_HOST must be tcp://host:port or unix:///path");
    }
    URI uri = URI.create("http://" + value.substring("tcp://".length()));
    if (uri.getHost() == null || uri.getPort() <= 0 || !(uri.getPath() == null || uri.getPath().isEmpty()
        || uri.getPath().equals("/")) || uri.getUserInfo() != null || uri.getQuery() != null) {
      throw new IllegalArgumentException("DOCKER_HOST must be tcp://host:port");
    }
    String name = uri.getHost();
    return new DockerHost(name.startsWith("[") ? name.substring(1, name.length() - 1) : name, uri.getPort(), null);
  }

  /** The API as an HTTP URL ({@code http://host:port}), for a TCP host; empty for a Unix socket. */
  public Optional<URI> httpUrl() {
    return unix() ? Optional.empty() : Optional.of(URI.create("http://" + hostHeader()));
  }

  /** Whether this is a Unix domain socket. */
  public boolean unix() {
    return socket != null;
  }

  /** The value of the {@code Host} header. */
  String hostHeader() {
    return unix() ? "docker" : (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** Opens a new connection within the connect timeout. */
  DockerConnection connect(Duration connectTimeout) throws IOException {
    if (unix()) {
      SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        channel.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        channel.close();
        throw e;
      }
      return DockerConnection.of(channel);
    }
    Socket tcp = new Socket();
    try {
      tcp.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
      tcp.setTcpNoDelay(true);
    } catch (IOException e) {
      tcp.close();
      throw e;
    }
    return DockerConnection.of(tcp);
  }

  @Override
  public String toString() {
    return unix() ? "unix://" + socket : "tcp://" + hostHeader();
  }
}
