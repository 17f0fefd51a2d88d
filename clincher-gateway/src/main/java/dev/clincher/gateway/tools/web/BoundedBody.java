package dev.clincher.gateway.tools.web;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body subscriber that keeps at most {@code maxBytes} and then cancels the download, so a huge body is
 * never read; {@link #stop()} cuts the body short (at the time limit) with what has arrived so far. Demand is one
 * buffer list at a time, so memory stays near {@code maxBytes}.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<BoundedBody.Bytes> {

  /** Why a body ended early. */
  enum Cut { NONE, SIZE, TIME }

  /** The bytes read and whether (and why) the body was cut. */
  record Bytes(byte[] data, Cut cut) {}

  private final int maxBytes;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final CompletableFuture<Bytes> result = new CompletableFuture<>();
  private Flow.Subscription subscription;

  BoundedBody(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** A subscriber that cancels at once: for redirects and refused content types, whose body is not wanted. */
  static BoundedBody discarding() {
    return new BoundedBody(0);
  }

  @Override
  public synchronized void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    if (maxBytes == 0) {
      finish(Cut.SIZE);
    } else {
      subscription.request(1);
    }
  }

  @Override
  public synchronized void onNext(List<ByteBuffer> buffers) {
    if (result.isDone()) {
      return;
    }
    for (ByteBuffer buffer : buffers) {
      int room = maxBytes - out.size();
      int take = Math.min(room, buffer.remaining());
      byte[] chunk = new byte[take];
      buffer.get(chunk);
      out.write(chunk, 0, take);
      if (buffer.hasRemaining()) {
        finish(Cut.SIZE);
        return;
      }
    }
    subscription.request(1);
  }

  @Override
  public synchronized void onError(Throwable error) {
    result.completeExceptionally(error);
  }

  @Override
  public synchronized void onComplete() {
    result.complete(new Bytes(out.toByteArray(), Cut.NONE));
  }

  @Override
  public CompletionStage<Bytes> getBody() {
    return result;
  }

  /** Ends the body now with what has arrived (the time limit was reached). */
  synchronized void stop() {
    finish(Cut.TIME);
  }

  private void finish(Cut cut) {
    if (result.complete(new Bytes(out.toByteArray(), cut)) && subscription != null) {
      subscription.cancel();
    }
  }
}
