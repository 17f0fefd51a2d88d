package dev.clincher.common.http;

import dev.clincher.common.health.Health;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * Starts a Jetty 12 server the way every service runs one: one HTTP/1.1 connector on {@code host:port}, I/O on a few
 * platform threads, request handlers on virtual threads (at most {@link Options#maxThreads()} at once), bounded request heads and bodies, an idle timeout,
 * JSON error pages, {@code Connection: close} on answers sent before an unread body arrived ({@link UnreadBodies}), and
 * graceful stop: {@code server.stop()} stops accepting, waits up to
 * {@link Options#stopTimeout()} for requests in flight, then closes.
 */
public final class JettyServers {
  private JettyServers() {}

  /**
   * How to run the server. Start from {@link #defaults(String, int)} and change what differs.
   *
   * @param host                  address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
   * @param port                  port to bind; 0 picks a free one (see {@link #port(Server)})
   * @param maxRequestHeaderBytes largest request line plus headers; beyond it the client gets 431
   * @param maxRequestBodyBytes   largest request body; beyond it the client gets 413; -1 for no limit
   * @param idleTimeout           a connection with no traffic this long is closed
   * @param stopTimeout           how long a graceful stop waits for requests in flight
   * @param maxThreads            most requests handled at once (virtual threads)
   */
  public record Options(
      String host,
      int port,
      int maxRequestHeaderBytes,
      long maxRequestBodyBytes,
      Duration idleTimeout,
      Duration stopTimeout,
      int maxThreads) {
    public Options {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(idleTimeout, "idleTimeout");
      Objects.requireNonNull(stopTimeout, "stopTimeout");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      if (maxRequestHeaderBytes < 1024 || maxThreads < 1) {
        throw new IllegalArgumentException("maxRequestHeaderBytes must be >= 1024 and maxThreads >= 1");
      }
    }

    /** 16 KiB heads, 10 MiB bodies, 30 s idle, 15 s graceful stop, 1024 concurrent requests. */
    public static Options defaults(String host, int port) {
      return new Options(host, port, 16 * 1024, 10L * 1024 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(15), 1024);
    }

    public Options withMaxRequestHeaderBytes(int bytes) {
      return new Options(host, port, bytes, maxRequestBodyBytes, idleTimeout, stopTimeout, maxThreads);
    }

    public Options withMaxRequestBodyBytes(long bytes) {
      return new Options(host, port, maxRequestHeaderBytes, bytes, idleTimeout, stopTimeout, maxThreads);
    }

    public Options withIdleTimeout(Duration timeout) {
      return new Options(host, port, maxRequestHeaderBytes, maxRequestBodyBytes, timeout, stopTimeout, maxThreads);
    }

    public Options withStopTimeout(Duration timeout) {
      return new Options(host, port, maxRequestHeaderBytes, maxRequestBodyBytes, idleTimeout, timeout, maxThreads);
    }

    public Options withMaxThreads(int threads) {
      return new Options(host, port, maxRequestHeaderBytes, maxRequestBodyBytes, idleTimeout, stopTimeout, threads);
    }
  }

  /** Creates and starts a server for {@code handler}. */
  public static Server start(Options options, Handler handler) throws IOException {
    return start(create(options, handler));
  }

  /**
   * Same, and keeps {@code health} in step: ready once the server has started, draining as soon as it begins to
   * stop (so readiness fails while requests in flight finish).
   */
  public static Server start(Options options, Handler handler, Health health) throws IOException {
    return start(options, server -> handler, health);
  }

  /**
   * Same, for a handler that needs the server to be built (a WebSocket upgrade handler does): {@code handler}
   * receives the server before it starts.
   */
  public static Server start(Options options, java.util.function.Function<Server, Handler> handler, Health health)
      throws IOException {
    Server server = create(options, null);
    server.setHandler(new GracefulHandler(new UnreadBodies(limitBodies(options, handler.apply(server)))));
    server.addEventListener(new LifeCycle.Listener() {
      @Override
      public void lifeCycleStarted(LifeCycle event) {
        health.markReady();
      }

      @Override
      public void lifeCycleStopping(LifeCycle event) {
        health.markDraining();
      }
    });
    return start(server);
  }

  /** The port the server listens on (useful after binding port 0). */
  public static int port(Server server) {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  /** Builds the server without starting it. */
  public static Server create(Options options, Handler handler) {
    Server server = new Server(threadPool(options));
    server.addConnector(connector(server, options));
    server.setHandler(new GracefulHandler(new UnreadBodies(limitBodies(options, handler))));
    server.setErrorHandler(new JsonErrorHandler());
    server.setStopTimeout(options.stopTimeout().toMillis());
    server.setStopAtShutdown(false);
    return server;
  }

  /**
   * A few platform threads for the acceptor, the selector and non-blocking I/O callbacks, and virtual threads (at most
   * {@link Options#maxThreads()} at once) for handlers, which block. Selectors on virtual threads (an all-virtual pool)
   * block their carrier in {@code epoll_wait} and add a hand-off to every read.
   */
  private static QueuedThreadPool threadPool(Options options) {
    VirtualThreadPool handlers = new VirtualThreadPool(options.maxThreads());
    handlers.setName("http");
    QueuedThreadPool io = new QueuedThreadPool(PLATFORM_THREADS, 2);
    io.setName("http-io");
    io.setReservedThreads(0);
    io.setVirtualThreadsExecutor(handlers);
    return io;
  }

  /** Platform threads at most: acceptor, selector, and Jetty's own non-blocking tasks. */
  static final int PLATFORM_THREADS = 8;

  /** Connections the kernel queues for accept; beyond, a connect is refused. */
  static final int ACCEPT_QUEUE = 1024;

  private static ServerConnector connector(Server server, Options options) {
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(options.maxRequestHeaderBytes());
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(options.host());
    connector.setPort(options.port());
    connector.setIdleTimeout(options.idleTimeout().toMillis());
    connector.setAcceptQueueSize(ACCEPT_QUEUE); // the JDK's default backlog of 50 resets bursts of connects
    return connector;
  }

  private static Handler limitBodies(Options options, Handler handler) {
    if (options.maxRequestBodyBytes() < 0) {
      return handler;
    }
    SizeLimitHandler limit = new SizeLimitHandler(options.maxRequestBodyBytes(), -1);
    limit.setHandler(handler);
    return limit;
  }

  private static Server start(Server server) throws IOException {
    try {
      server.start();
      return server;
    } catch (Exception e) {
      stopQuietly(server);
      throw new IOException("cannot start HTTP server: " + e.getMessage(), e);
    }
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception ignored) {
      // Already failing to start; the original exception is the one to report.
    }
  }
}
