package dev.clincher.common.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error pages as JSON: unmatched paths (404), malformed requests (400), oversized heads (431) and handler
 * failures (500) all answer {@code {"error":{"type":…,"message":…}}}. Exception messages and stacks are never
 * shown to the client.
 */
public final class JsonErrorHandler extends ErrorHandler {
  public JsonErrorHandler() {
    setShowStacks(false);
    setShowCauses(false);
  }

  @Override
  protected void generateResponse(
      Request request, Response response, int code, String message, Throwable cause, Callback callback) {
    JsonErrors.send(response, callback, code, safeMessage(code));
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(new HttpField(HttpHeader.CONTENT_TYPE, JsonErrors.JSON_CONTENT_TYPE));
    String body = JsonErrors.body(JsonErrors.typeFor(status), safeMessage(status));
    return ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8));
  }

  /** The standard reason phrase: Jetty's own messages may echo request content, so they are not used. */
  private static String safeMessage(int status) {
    String reason = HttpStatus.getMessage(status);
    return reason == null ? "error" : reason;
  }
}
