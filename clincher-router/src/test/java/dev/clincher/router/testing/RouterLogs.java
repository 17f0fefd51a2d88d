package dev.clincher.router.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.clincher.common.log.JsonLineEncoder;
import java.nio.charset.StandardCharsets;
import org.slf4j.LoggerFactory;

/** Everything the process logs while open, rendered as the JSON lines production writes. */
public final class RouterLogs implements AutoCloseable {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  public RouterLogs() {
    appender.start();
    root.addAppender(appender);
  }

  /** The JSON lines logged so far. */
  public String text() {
    JsonLineEncoder encoder = new JsonLineEncoder();
    StringBuilder text = new StringBuilder();
    for (ILoggingEvent event : java.util.List.copyOf(appender.list)) {
      text.append(new String(encoder.encode(event), StandardCharsets.UTF_8));
    }
    return text.toString();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
