package dev.clincher.app.manage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import dev.clincher.common.log.BatchedStdoutAppender;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Logging for commands whose standard output is their answer: the JSON log lines (each management decision, one line)
 * go to standard error instead, and Flyway only speaks up about problems.
 */
public final class CliLogs {
  private CliLogs() {}

  public static void toStandardError() {
    if (!(LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context)) {
      return;
    }
    context.getLogger("org.flywaydb").setLevel(Level.WARN);
    retarget(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME));
  }

  private static void retarget(AppenderAttachable<ILoggingEvent> parent) {
    for (Iterator<Appender<ILoggingEvent>> it = parent.iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> appender = it.next();
      if (appender instanceof ConsoleAppender<ILoggingEvent> console && !"System.err".equals(console.getTarget())) {
        console.stop();
        console.setTarget("System.err");
        console.start();
      } else if (appender instanceof BatchedStdoutAppender batched) {
        batched.setTarget("System.err");
      } else if (appender instanceof AppenderAttachable<?> nested) {
        @SuppressWarnings("unchecked")
        AppenderAttachable<ILoggingEvent> attachable = (AppenderAttachable<ILoggingEvent>) nested;
        retarget(attachable);
      }
    }
  }
}
