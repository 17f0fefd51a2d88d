package dev.clincher.egress.tunnel;

import java.nio.channels.SocketChannel;

/**
 * Asked by the accepting relay loop, on its own thread, whether a new client connection is served. It must not
 * block: it either admits the connection (its head is read next) or answers and closes it itself.
 */
@FunctionalInterface
public interface Admission {
  /**
   * @param client the accepted connection, already non-blocking
   * @return true to read its request head; false when the connection was refused (answered and closed)
   */
  boolean admit(SocketChannel client);
}
