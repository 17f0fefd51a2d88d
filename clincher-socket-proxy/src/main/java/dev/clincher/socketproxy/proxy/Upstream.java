package dev.clincher.socketproxy.proxy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * One connection to the Docker socket. Reads go through a {@link ByteInput}; writes go straight to the channel.
 * Reading and writing may happen on two threads at once (a hijacked stream), which a blocking
 * {@link SocketChannel} supports.
 */
final class Upstream implements AutoCloseable {
  private final SocketChannel channel;
  private final ByteInput input;
  private final OutputStream output;

  private Upstream(SocketChannel channel) {
    this.channel = channel;
    this.input = new ByteInput((buffer, offset, length) -> channel.read(ByteBuffer.wrap(buffer, offset, length)));
    this.output = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
    };
  }

  static Upstream connect(Path socket) throws IOException {
    return new Upstream(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
  }

  ByteInput input() {
    return input;
  }

  /** An unbuffered stream: every write reaches the socket at once. */
  OutputStream output() {
    return output;
  }

  /** Half-closes: Docker sees end of input (the client closed stdin) and can still answer. */
  void shutdownOutput() {
    try {
      channel.shutdownOutput();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // best effort
    }
  }
}
