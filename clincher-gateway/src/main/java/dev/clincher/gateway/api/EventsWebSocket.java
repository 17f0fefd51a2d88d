package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.events.EventTypes;
import dev.clincher.gateway.events.EventSubscription;
import dev.clincher.gateway.session.SessionBusyException;
import dev.clincher.gateway.session.SessionService;
import dev.clincher.gateway.events.StreamedEvent;
import dev.clincher.gateway.session.UnknownSessionException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web UI's connection ({@code GET /v1/ws}): the client sends {@code {"type":"send","session":…,"content":…}} or
 * {@code {"type":"abort","session":…}}; the server sends every event of the runs it started, in the same JSON as
 * the SSE stream, and {@code {"type":"client_error","message":…}} for a message it cannot act on. Events are sent
 * one at a time from one virtual thread per run, each waiting for the previous write; a client that stops reading is
 * disconnected by the idle timeout, never buffered without bound.
 */
public final class EventsWebSocket extends Session.Listener.AbstractAutoDemanding {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.gateway.ws");
  static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  private final SessionService sessions;
  private final ObjectMapper json;
  private final EventJson events;

  EventsWebSocket(SessionService sessions, ObjectMapper json) {
    this.sessions = sessions;
    this.json = json;
    this.events = new EventJson(json);
  }

  @Override
  public void onWebSocketText(String message) {
    JsonNode request;
    try {
      request = json.readTree(message);
    } catch (IOException e) {
      clientError("messages must be JSON objects");
      return;
    }
    String type = request.path("type").asText("");
    String sessionId = request.path("session").asText("");
    switch (type) {
      case "send" -> send(sessionId, request.path("content").asText(""));
      case "abort" -> {
        if (!sessions.abort(sessionId)) {
          clientError("no run to abort in session " + sessionId);
        }
      }
      default -> clientError("unknown message type; use send or abort");
    }
  }

  private void send(String sessionId, String content) {
    if (content.isBlank()) {
      clientError("content must be a non-empty string");
      return;
    }
    EventSubscription subscription;
    try {
      subscription = sessions.send(sessionId, content);
    } catch (UnknownSessionException | SessionBusyException e) {
      clientError(e.getMessage());
      return;
    }
    Thread.ofVirtual().name("ws-" + sessionId).start(() -> forward(subscription));
  }

  private void forward(EventSubscription subscription) {
    try {
      while (isOpen()) {
        StreamedEvent event = subscription.next(Duration.ofSeconds(15));
        if (event == null) {
          continue;
        }
        sendText(events.of(event).toString());
        if (event.type().equals(EventTypes.DONE)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.atDebug().addKeyValue("exception", e.getClass().getName()).log("gateway.ws.send_failed");
    }
  }

  private void clientError(String message) {
    ObjectNode error = json.createObjectNode();
    error.put("type", "client_error");
    error.put("message", message);
    try {
      sendText(error.toString());
    } catch (IOException | InterruptedException e) {
      LOG.atDebug().log("gateway.ws.error_not_sent");
    }
  }

  /** Sends one text frame and waits until it was written; concurrent senders queue on this socket. */
  private synchronized void sendText(String text) throws IOException, InterruptedException {
    Session session = getSession();
    if (session == null || !session.isOpen()) {
      throw new IOException("the WebSocket is closed");
    }
    Callback.Completable written = new Callback.Completable();
    session.sendText(text, written);
    try {
      written.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      session.close();
      throw new IOException("the WebSocket client does not read", e);
    }
  }
}
