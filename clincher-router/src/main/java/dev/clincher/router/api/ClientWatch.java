package dev.clincher.router.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices that the client closed its HTTP/1.1 connection while the handler waits on a provider, so the upstream call
 * can be cancelled instead of running on (and being paid for) until its answer or the deployment's timeout.
 *
 * <p>Why this is needed: Jetty does not read an HTTP/1.1 connection while a request is handled once its body was read
 * to the end, so neither a read nor {@code Request.addFailureListener} reports a client that closes meanwhile; only
 * the write of the answer would. How: the watch registers a read interest on the connection's endpoint
 * ({@link AbstractEndPoint#tryFillInterested}, one selector update, no thread) after the body reached its end. When
 * the socket becomes readable it reads at most one byte (the interest is registered only once the call has run for
 * {@link #START_DELAY}): end of stream (or a reset) means the client is gone and
 * {@code onGone} runs; a byte means the client pipelined its next request (HTTP/1.1 allows it, real clients hardly do).
 *
 * <p>The trade-offs, all bounded to this window:
 * <ul>
 *   <li>The watch's registration must be gone before the answer completes: Jetty's connection registers its own read
 *       interest then, and aborts the connection if one is still pending. {@link #close()} therefore removes it (via
 *       the endpoint's public {@code FillInterest}) before anything is sent; nothing else in Jetty registers a read
 *       interest on this connection in between (the body is at its end, the handler does not read).</li>
 *   <li>A byte read of a pipelined request cannot be given back to Jetty, so the answer then carries
 *       {@code Connection: close} and the connection ends after it: the client sees its pipelined request unanswered
 *       on a closed connection, as HTTP/1.1 allows, and sends it again. Bytes Jetty had already buffered are not
 *       touched (they are parsed as usual).</li>
 *   <li>A client that half-closes (shuts down its sending side but still reads) counts as gone.</li>
 *   <li>HTTP/1.x only; other connections (none today) are not watched.</li>
 * </ul>
 */
final class ClientWatch implements Callback, AutoCloseable {
  /** A watch that watches nothing: the request is not HTTP/1.x, or its body is not at its end. */
  private static final ClientWatch NONE = new ClientWatch(null, null, () -> {});

  /**
   * How long a call runs before its client is watched. Watching costs two selector updates (register, remove): most
   * calls to real providers take longer than this and pay them, calls answered sooner do not (measured in
   * bench/router, where the fake provider answers at once: watching every call cost 10-20 % of the throughput; a
   * timer per call to start the watch cost a busy scheduler thread, so the waiting handler starts it). A client that
   * closed during the delay is noticed as soon as the watch starts.
   */
  static final Duration START_DELAY = Duration.ofMillis(50);

  private enum State { PENDING, WATCHING, GONE, READ_AHEAD, STOPPED }

  private final AbstractEndPoint endPoint;
  private final Response response;
  private final Runnable onGone;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile State state;

  private ClientWatch(AbstractEndPoint endPoint, Response response, Runnable onGone) {
    this.endPoint = endPoint;
    this.response = response;
    this.onGone = onGone;
    this.state = endPoint == null ? State.STOPPED : State.WATCHING;
  }

  /**
   * Starts watching {@code request}'s connection; {@code onGone} runs (once, on a Jetty thread) when the client closed
   * it. Call after the body was read to its end; closing the watch before the answer goes to {@code response} is
   * required.
   */
  static ClientWatch start(Request request, Response response, Runnable onGone) {
    HttpVersion version = request.getConnectionMetaData().getHttpVersion();
    if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
      return NONE;
    }
    Connection connection = request.getConnectionMetaData().getConnection();
    if (connection == null || !(connection.getEndPoint() instanceof AbstractEndPoint endPoint)) {
      return NONE;
    }
    Content.Chunk chunk = request.read();
    boolean atEnd = chunk != null && chunk.isLast() && !chunk.hasRemaining() && !Content.Chunk.isFailure(chunk);
    if (chunk != null) {
      chunk.release();
    }
    if (!atEnd) {
      return NONE; // Jetty may still read this connection for the body: stay out of its way
    }
    ClientWatch watch = new ClientWatch(endPoint, response, onGone);
    watch.state = State.PENDING;
    return watch;
  }

  /**
   * Registers the read interest: the handler calls it once its call has run for {@link #START_DELAY} (from its own
   * wait, so fast calls need no timer at all). Does nothing unless the watch is pending.
   */
  void watch() {
    lock.lock();
    try {
      if (state != State.PENDING) {
        return;
      }
      state = State.WATCHING; // before registering: a closed endpoint calls failed() at once, which expects it
      if (!endPoint.tryFillInterested(this) && state == State.WATCHING) {
        state = State.STOPPED;
      }
    } finally {
      lock.unlock();
    }
  }

  /** True once the client is known to have closed the connection. */
  boolean gone() {
    return state == State.GONE;
  }

  /** The socket is readable: end of stream, a reset, or a pipelined request's first byte. */
  @Override
  public void succeeded() {
    boolean nowGone = false;
    lock.lock();
    try {
      if (state != State.WATCHING) {
        return;
      }
      ByteBuffer probe = BufferUtil.allocate(1);
      int filled;
      try {
        filled = endPoint.fill(probe);
      } catch (IOException e) {
        filled = -1;
      }
      if (filled < 0) {
        state = State.GONE;
        nowGone = true;
      } else if (filled > 0) {
        state = State.READ_AHEAD;
      } else if (!endPoint.tryFillInterested(this)) { // woken without data: watch on
        state = State.STOPPED;
      }
    } finally {
      lock.unlock();
    }
    if (nowGone) {
      onGone.run();
    }
  }

  /** The registration failed: the endpoint closed (the client is gone), or {@link #close()} removed it. */
  @Override
  public void failed(Throwable cause) {
    boolean nowGone = false;
    lock.lock();
    try {
      if (state != State.WATCHING) {
        return;
      }
      nowGone = !endPoint.isOpen();
      state = nowGone ? State.GONE : State.STOPPED;
    } finally {
      lock.unlock();
    }
    if (nowGone) {
      onGone.run();
    }
  }

  /**
   * Stops watching; must run before the answer is sent. When the watch consumed a byte of a pipelined request, marks
   * the response to close the connection after the answer.
   */
  @Override
  public void close() {
    if (endPoint == null) {
      return;
    }
    State was;
    lock.lock();
    try {
      was = state;
      if (was == State.PENDING) {
        state = State.STOPPED;
      } else if (was == State.WATCHING) {
        state = State.STOPPED;
        // Removes this watch's registration (the only one pending: see the class comment); calls failed(), a no-op now.
        endPoint.getFillInterest().onFail(new CancellationException("the router stopped watching the client"));
      }
    } finally {
      lock.unlock();
    }
    if (was == State.READ_AHEAD && !response.isCommitted()) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
  }
}
