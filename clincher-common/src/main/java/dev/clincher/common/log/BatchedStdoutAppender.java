package dev.clincher.common.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Writes log lines to stdout from one background thread, a batch at a time, so that a request thread or a relay
 * loop never waits for the terminal or the container runtime's log pipe, and a busy service does not wake the writer
 * once per line.
 * <p>The writer sleeps until a line arrives, then waits {@code lingerMillis} for more, encodes everything queued and
 * writes it with one {@code write}. While it lingers, callers only add to the queue (no wake-up), so under load a
 * line costs its caller an uncontended queue insert, and the writer wakes about once per linger instead of twice per
 * tunnel or request. A line reaches stdout at most {@code lingerMillis} (plus the write) after it was logged; its
 * {@code ts} is the time it was logged.
 * <p>Nothing is dropped: when the queue is full, callers wait for room. {@link #stop()} writes what is still queued
 * (waiting at most {@code maxFlushMillis}). When the JVM begins to exit (e.g. a command that logs and returns), the
 * writer stops lingering and a shutdown hook waits, at most {@code maxFlushMillis}, until what was logged is written.
 */
public final class BatchedStdoutAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  /** Lines encoded into one write at most. */
  private static final int MAX_BATCH = 1024;

  private final Supplier<OutputStream> output;
  /** Commands whose standard output is their answer send their log lines to standard error instead. */
  private volatile boolean toStandardError;
  private Encoder<ILoggingEvent> encoder;
  private int queueSize = 16384;
  private int lingerMillis = 5;
  private int maxFlushMillis = 5000;
  private BlockingQueue<ILoggingEvent> queue;
  /** Lines appended and not yet written (queued or in the batch being written). */
  private final AtomicInteger unwritten = new AtomicInteger();
  private volatile boolean lingering = true;
  private Thread writer;
  private Thread exitHook;

  /**
   * Writes to {@link System#out} (or {@link System#err} after {@link #setTarget}) as it is at each write.
   */
  public BatchedStdoutAppender() {
    this.output = () -> toStandardError ? System.err : System.out;
  }

  BatchedStdoutAppender(Supplier<OutputStream> output) {
    this.output = output;
  }

  /**
   * {@code System.out} (the default) or {@code System.err}, as logback's {@code ConsoleAppender} names them; takes
   * effect from the next write, also while started (lines still queued go to the new target).
   */
  public void setTarget(String target) {
    switch (target) {
      case "System.out" -> toStandardError = false;
      case "System.err" -> toStandardError = true;
      default -> addError("target must be System.out or System.err, not " + target);
    }
  }

  public String getTarget() {
    return toStandardError ? "System.err" : "System.out";
  }

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  public Encoder<ILoggingEvent> getEncoder() {
    return encoder;
  }

  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  public int getQueueSize() {
    return queueSize;
  }

  public void setLingerMillis(int lingerMillis) {
    this.lingerMillis = lingerMillis;
  }

  public int getLingerMillis() {
    return lingerMillis;
  }

  public void setMaxFlushMillis(int maxFlushMillis) {
    this.maxFlushMillis = maxFlushMillis;
  }

  @Override
  public void start() {
    if (isStarted()) {
      return;
    }
    if (encoder == null) {
      addError("no encoder set for the appender named [" + name + "]");
      return;
    }
    if (queueSize < 1 || lingerMillis < 0) {
      addError("queueSize must be at least 1 and lingerMillis at least 0");
      return;
    }
    queue = new ArrayBlockingQueue<>(queueSize);
    super.start();
    writer = Thread.ofPlatform().daemon().name("clincher-log-writer").start(this::writeUntilStopped);
    exitHook = Thread.ofPlatform().name("clincher-log-flush").unstarted(this::writeEverythingBeforeExit);
    Runtime.getRuntime().addShutdownHook(exitHook);
  }

  @Override
  protected void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing(); // the message, its arguments and the MDC as they are now
    unwritten.incrementAndGet();
    boolean interrupted = false;
    while (true) {
      try {
        queue.put(event);
        break;
      } catch (InterruptedException e) {
        interrupted = true; // keep the line; the caller sees its interrupt afterwards
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    try {
      Runtime.getRuntime().removeShutdownHook(exitHook);
    } catch (IllegalStateException exiting) {
      // the hook is running or has run
    }
    writer.interrupt();
    try {
      writer.join(maxFlushMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      addWarn("log writer still busy after " + maxFlushMillis + " ms; " + queue.size() + " lines not written");
    }
  }

  private void writeUntilStopped() {
    List<ILoggingEvent> batch = new ArrayList<>();
    while (isStarted()) {
      try {
        batch.add(queue.take());
        if (lingering) {
          Thread.sleep(lingerMillis);
        }
      } catch (InterruptedException e) {
        // stopping, or the JVM is exiting: write what is queued now
      }
      writeQueued(batch);
    }
    writeQueued(batch);
  }

  /** Runs as the JVM exits: from now on each line is written at once, and what is queued is written before exit. */
  void writeEverythingBeforeExit() {
    lingering = false;
    writer.interrupt();
    long deadline = System.nanoTime() + maxFlushMillis * 1_000_000L;
    while (unwritten.get() > 0 && writer.isAlive() && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Writes the batch and everything queued after it, {@link #MAX_BATCH} lines per write. */
  private void writeQueued(List<ILoggingEvent> batch) {
    do {
      queue.drainTo(batch, MAX_BATCH - batch.size());
      write(batch);
      unwritten.addAndGet(-batch.size());
      batch.clear();
    } while (!queue.isEmpty());
  }

  private void write(List<ILoggingEvent> batch) {
    if (batch.isEmpty()) {
      return;
    }
    ByteArrayOutputStream lines = new ByteArrayOutputStream(256 * batch.size());
    for (ILoggingEvent event : batch) {
      try {
        lines.writeBytes(encoder.encode(event));
      } catch (RuntimeException e) {
        addError("cannot encode a log event", e);
      }
    }
    try {
      OutputStream out = output.get();
      lines.writeTo(out);
      out.flush();
    } catch (IOException | RuntimeException e) {
      addError("cannot write log lines", e);
    }
  }
}
