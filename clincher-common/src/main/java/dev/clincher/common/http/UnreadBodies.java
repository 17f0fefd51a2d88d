package dev.clincher.common.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Answers sent before the request's body was read (a refusal: 401, 405, 413, …) tell the client when the connection
 * will not be reused. Jetty closes an HTTP/1.1 connection whose request body was neither read nor already arrived
 * in full, but only after the answer, which it has already committed without {@code Connection: close}: a client
 * that pools connections then sends its next request on a closed one and fails (a POST is not retried). So before a
 * whole answer is committed, the body's bytes that have arrived are discarded, and if the body is not complete the
 * answer carries {@code Connection: close}. A handler that read its body, or one that streams its answer (committed by
 * an earlier, not-last write), is not affected. A handler must not read the body after sending its whole answer.
 * Not covered: a client still sending a large body when the connection closes may get a reset instead of the answer
 * (the kernel's, as with any server that does not read what it refuses).
 */
final class UnreadBodies extends Handler.Wrapper {
  UnreadBodies(Handler handler) {
    super(handler);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    return super.handle(request, new CloseIfUnread(request, response), callback);
  }

  private static final class CloseIfUnread extends Response.Wrapper {
    CloseIfUnread(Request request, Response response) {
      super(request, response);
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
      if (last && !isCommitted() && !getRequest().consumeAvailable()) {
        getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
      }
      super.write(last, content, callback);
    }
  }
}
