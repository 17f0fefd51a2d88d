package dev.clincher.common.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.event.KeyValuePair;

@Timeout(30)
class BatchedStdoutAppenderTest {
  private final LoggerContext context = new LoggerContext();
  private final Logger logger = context.getLogger("dev.clincher.test.Component");
  private final Writes writes = new Writes();
  private final BatchedStdoutAppender appender = new BatchedStdoutAppender(() -> writes);

  /** Records each write call; the appender's thread writes, the test reads. */
  private static final class Writes extends OutputStream {
    private final List<String> calls = new ArrayList<>();

    @Override
    public synchronized void write(int b) {
      calls.add(String.valueOf((char) b));
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
      calls.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
    }

    synchronized List<String> calls() {
      return List.copyOf(calls);
    }

    List<String> lines() {
      return String.join("", calls()).lines().toList();
    }
  }

  private void start(int queueSize, int lingerMillis) {
    context.setMDCAdapter(new LogbackMDCAdapter()); // as the real context has: events copy the MDC when queued
    appender.setContext(context);
    appender.setEncoder(new JsonLineEncoder());
    appender.setQueueSize(queueSize);
    appender.setLingerMillis(lingerMillis);
    appender.start();
    assertThat(appender.isStarted()).isTrue();
  }

  @AfterEach
  void stop() {
    appender.stop();
  }

  private void log(int n) {
    LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "test.line", null, null);
    event.addKeyValuePair(new KeyValuePair("n", n));
    appender.doAppend(event);
  }

  @Test
  void linesLoggedWithinTheLingerAreWrittenWithOneWrite() throws Exception {
    start(16, 1000);
    log(1);
    log(2);
    log(3);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (writes.calls().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(writes.calls()).hasSize(1);
    assertThat(writes.lines()).hasSize(3).allSatisfy(line -> assertThat(line).contains("\"event\":\"test.line\""));
    assertThat(writes.lines().get(2)).contains("\"n\":3");
  }

  @Test
  void aFullQueueMakesCallersWaitAndStopWritesEveryLineInOrder() {
    start(4, 20);
    for (int i = 0; i < 200; i++) {
      log(i);
    }
    appender.stop();
    List<String> lines = writes.lines();
    assertThat(lines).hasSize(200);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).contains("\"n\":" + i + "}");
    }
  }

  @Test
  void whenTheJvmExitsQueuedLinesAreWrittenWithoutWaitingForTheLingerAndLaterOnesAtOnce() throws Exception {
    start(16, 600_000);
    log(1);
    log(2);
    appender.writeEverythingBeforeExit(); // what the shutdown hook runs
    assertThat(writes.lines()).hasSize(2);
    log(3);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (writes.lines().size() < 3 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(writes.lines()).hasSize(3);
  }

  @Test
  void linesLoggedAfterStopAreNotWrittenAndDoNotBlock() {
    start(4, 0);
    appender.stop();
    for (int i = 0; i < 10; i++) {
      log(i);
    }
    assertThat(writes.calls()).isEmpty();
  }

  @Test
  void aCommandCanSendTheLinesToStandardErrorAndAnUnknownTargetIsRefused() {
    java.io.PrintStream standardOut = System.out;
    java.io.PrintStream standardError = System.err;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    BatchedStdoutAppender console = new BatchedStdoutAppender();
    try {
      System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
      context.setMDCAdapter(new LogbackMDCAdapter());
      console.setContext(context);
      console.setEncoder(new JsonLineEncoder());
      console.start();
      assertThat(console.getTarget()).isEqualTo("System.out");
      console.setTarget("System.err");
      console.setTarget("/dev/tty"); // refused: the target stays standard error
      LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "cli.line", null, null);
      console.doAppend(event);
      console.stop();
    } finally {
      System.setOut(standardOut);
      System.setErr(standardError);
    }
    assertThat(console.getTarget()).isEqualTo("System.err");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("\"event\":\"cli.line\"");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
