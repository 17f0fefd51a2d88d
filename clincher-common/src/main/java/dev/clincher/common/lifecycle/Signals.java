package dev.clincher.common.lifecycle;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP, the conventional "reload your configuration" signal. Several parts of one JVM (for {@code clincher up})
 * can each register an action; all run, in registration order, on the JVM's signal thread for that signal.
 *
 * <p>Signal handlers are process-wide, so the one JVM handler is installed on first use and shared. Uses
 * {@code sun.misc.Signal} (module {@code jdk.unsupported}); where SIGHUP does not exist (Windows) or the JVM
 * reserves it ({@code -Xrs}), {@link Registration#installed()} is false and nothing happens.
 */
public final class Signals {
  private static final Logger log = LoggerFactory.getLogger(Signals.class);
  private static final List<Runnable> HANGUP_ACTIONS = new CopyOnWriteArrayList<>();
  private static Boolean hangupInstalled;

  private Signals() {}

  /** A registered action; {@link #close()} removes it. */
  public static final class Registration implements AutoCloseable {
    private final Runnable action;
    private final boolean installed;

    private Registration(Runnable action, boolean installed) {
      this.action = action;
      this.installed = installed;
    }

    /** Whether SIGHUP is handled on this platform; false means the action will never run. */
    public boolean installed() {
      return installed;
    }

    @Override
    public void close() {
      HANGUP_ACTIONS.remove(action);
    }
  }

  /** Runs {@code action} on every SIGHUP; an exception from it is logged, not propagated. */
  public static Registration onHangup(Runnable action) {
    boolean installed = installHangupHandler();
    if (installed) {
      HANGUP_ACTIONS.add(action);
    }
    return new Registration(action, installed);
  }

  private static synchronized boolean installHangupHandler() {
    if (hangupInstalled == null) {
      hangupInstalled = tryInstall();
    }
    return hangupInstalled;
  }

  private static boolean tryInstall() {
    try {
      Signal.handle(new Signal("HUP"), signal -> runHangupActions());
      return true;
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      log.atWarn().setMessage("signal.hup.unavailable").addKeyValue("reason", e.getMessage()).log();
      return false;
    }
  }

  private static void runHangupActions() {
    log.atInfo().setMessage("signal.hup").addKeyValue("actions", HANGUP_ACTIONS.size()).log();
    for (Runnable action : HANGUP_ACTIONS) {
      try {
        action.run();
      } catch (RuntimeException e) {
        log.atError().setMessage("signal.hup.action.failed").addKeyValue("error", e.getClass().getName())
            .setCause(e).log();
      }
    }
  }
}
