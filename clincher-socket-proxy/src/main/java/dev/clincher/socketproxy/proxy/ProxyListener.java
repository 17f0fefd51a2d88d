package dev.clincher.socketproxy.proxy;

import dev.clincher.common.net.IpLiterals;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts client connections and serves each on its own platform thread. Connections beyond the limit are answered
 * 429 at once and closed, never queued.
 */
public final class ProxyListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.socketproxy");
  /**
   * One platform thread per connection (bounded by the connection limit), not a virtual one: a proxied request is two
   * blocking reads (client, then Docker), and on a virtual thread each read that finds no data parks it and has the
   * JDK's poller thread wake it up again, two thread hand-offs per request that cost more CPU than the request's own
   * work (bench/socket-proxy/README.md). A platform thread blocks in the kernel, which wakes it directly. The stack is
   * small: the proxy's call depth is shallow. Used by the accept thread only (a builder is not thread-safe).
   */
  private final Thread.Builder connectionThreads = Thread.ofPlatform().name("socketproxy-conn").daemon()
      .stackSize(256 * 1024);

  private final ServerSocket server;
  private final ProxyContext context;
  private final Semaphore permits;
  private Thread acceptThread;
  private volatile boolean closing;

  private ProxyListener(ServerSocket server, ProxyContext context) {
    this.server = server;
    this.context = context;
    this.permits = new Semaphore(context.limits().maxConnections());
  }

  /** Binds {@code address} and starts accepting. */
  public static ProxyListener start(InetSocketAddress address, dev.clincher.socketproxy.policy.Policy policy,
      ProxyLimits limits, java.nio.file.Path dockerSocket, Decisions decisions, LocalEndpoints local)
      throws IOException {
    ServerSocket server = new ServerSocket();
    try {
      server.setReuseAddress(true);
      server.bind(address, 1024);
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot listen on " + IpLiterals.formatWithPort(address.getAddress(), address.getPort())
          + ": " + e.getMessage(), e);
    }
    ProxyListener listener = new ProxyListener(server, ProxyContext.of(policy, limits, dockerSocket, decisions,
        local));
    listener.acceptThread = Thread.ofPlatform().name("socketproxy-accept").start(listener::acceptLoop);
    return listener;
  }

  /** The bound address (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  /** Connections being served now. */
  public int activeConnections() {
    return context.limits().maxConnections() - permits.availablePermits();
  }

  /** Stops accepting; connections in progress continue. */
  public void stopAccepting() {
    closing = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    stopAccepting();
    if (acceptThread != null) {
      try {
        acceptThread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void acceptLoop() {
    while (!closing) {
      Socket client;
      try {
        client = server.accept();
      } catch (SocketException e) {
        if (closing) {
          return;
        }
        pause(e);
        continue;
      } catch (IOException e) {
        pause(e);
        continue;
      }
      if (permits.tryAcquire()) {
        connectionThreads.start(() -> serve(client));
      } else {
        refuse(client);
      }
    }
  }

  private void serve(Socket client) {
    try {
      new ClientConnection(context, client).serve();
    } finally {
      permits.release();
    }
  }

  private void refuse(Socket client) {
    context.decisions().deny("", "", "", "", "too_many_connections", "connection limit reached", 429);
    try (client; OutputStream out = client.getOutputStream()) {
      out.write(Responses.error(429, "too_many_connections", "the proxy is serving its maximum of connections",
          false));
    } catch (IOException ignored) {
      // the client sees the connection close
    }
  }

  /** Accept fails when file descriptors run out; back off instead of spinning. */
  private static void pause(IOException e) {
    LOG.atWarn().addKeyValue("error", e.toString()).log("socketproxy.accept_failed");
    try {
      Thread.sleep(50);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
