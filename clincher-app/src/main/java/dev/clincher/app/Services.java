package dev.clincher.app;

import dev.clincher.common.lifecycle.Shutdown;
import dev.clincher.common.lifecycle.Signals;

/** How a started service runs in the foreground: SIGHUP reloads, SIGTERM and SIGINT drain and stop it. */
final class Services {
  private Services() {}

  /**
   * Blocks until the JVM is asked to stop, then closes the service gracefully before the JVM exits.
   *
   * @param service the started service; closed by the shutdown hook
   * @param onHangup what SIGHUP does (reload configuration)
   * @return the exit code once stopped
   */
  static int runUntilStopped(AutoCloseable service, Runnable onHangup) throws InterruptedException {
    return runUntilStopped(java.util.List.of(service), onHangup);
  }

  /** The same for several services in one JVM ({@code clincher up}); they are closed in reverse start order. */
  static int runUntilStopped(java.util.List<AutoCloseable> services, Runnable onHangup) throws InterruptedException {
    Shutdown shutdown = new Shutdown();
    for (AutoCloseable service : services) {
      shutdown.register(service.getClass().getSimpleName(), service);
    }
    shutdown.installHook();
    try (Signals.Registration hangup = Signals.onHangup(onHangup)) {
      Thread.currentThread().join();
    }
    return 0;
  }
}
