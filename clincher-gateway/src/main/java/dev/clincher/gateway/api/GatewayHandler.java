package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.gateway.events.EventTypes;
import dev.clincher.gateway.auth.WebSocketTickets;
import dev.clincher.gateway.events.EventSubscription;
import dev.clincher.gateway.session.SessionBusyException;
import dev.clincher.gateway.session.SessionService;
import dev.clincher.gateway.events.StreamedEvent;
import dev.clincher.gateway.session.UnknownSessionException;
import dev.clincher.gateway.store.EventRecord;
import dev.clincher.gateway.store.SessionRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The gateway's HTTP API, in one place:
 *
 * <pre>
 *   POST   /v1/chat/completions          OpenAI-compatible entry: model "clincher:&lt;agent&gt;"; X-Clincher-Session continues
 *   GET    /v1/sessions                  list (?agent=, ?limit=)
 *   POST   /v1/sessions                  create {"agent":…, "title":…}
 *   GET    /v1/sessions/{id}             one session
 *   DELETE /v1/sessions/{id}             delete it and its transcript (aborts a run)
 *   GET    /v1/sessions/{id}/events      the transcript (?after=seq, ?limit=)
 *   POST   /v1/sessions/{id}/messages    send {"content":…}; answers with the run's events as SSE
 *   POST   /v1/sessions/{id}/abort       stop the running run
 *   GET    /v1/agents                    the configured agents
 *   POST   /v1/ws/ticket                 a one-time ticket for the WebSocket (/v1/ws), offered as a subprotocol
 *   /v1/auth/…                           browser sign-in and sign-out ({@link SignInEndpoint})
 *   /v1/control/…                        the control pages' data ({@link ControlEndpoint})
 *   /v1/channels/…                       the operator's channel routes ({@link ChannelsEndpoint})
 * </pre>
 *
 * Every route passes {@link ApiAccess} first (health and metrics are answered in front of this handler), except the
 * sign-in itself, which carries its secret in the body and is checked by the same authenticator.
 */
public final class GatewayHandler extends Handler.Abstract {
  public static final String SESSION_HEADER = "X-Clincher-Session";
  static final Pattern SESSION_PATH = Pattern.compile("/v1/sessions/([A-Za-z0-9_-]{1,64})(/events|/messages|/abort)?");
  /** How long an SSE stream may stay silent before a keep-alive comment. */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private final ApiAccess access;
  private final SessionService sessions;
  private final ObjectMapper json;
  private final long maxRequestBytes;
  private final ChatCompletionsEndpoint chat;
  private final EventJson events;
  private final SignInEndpoint signIn;
  private final ControlEndpoint control;
  private final ChannelsEndpoint channels;

  public GatewayHandler(ApiAccess access, SessionService sessions, ObjectMapper json, long maxRequestBytes,
      ControlEndpoint control, ChannelsEndpoint channels) {
    this.access = access;
    this.channels = channels;
    this.signIn = new SignInEndpoint(access, json);
    this.control = control;
    this.sessions = sessions;
    this.json = json;
    this.maxRequestBytes = maxRequestBytes;
    this.chat = new ChatCompletionsEndpoint(sessions, json);
    this.events = new EventJson(json);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    ApiExchange exchange = new ApiExchange(request, response, callback, json);
    String path = Request.getPathInContext(request);
    String method = request.getMethod();
    if (path.equals(SignInEndpoint.SESSION_PATH) && method.equals("POST")) {
      signIn.signIn(exchange);
      return true;
    }
    ApiAccess.Admission admission = access.check(request);
    if (!admission.admitted()) {
      exchange.sendRefusal(admission.refusal().orElseThrow());
      return true;
    }
    if (path.equals(SignInEndpoint.SESSION_PATH)) {
      if (method.equals("DELETE")) {
        signIn.signOut(exchange, admission);
      } else {
        requireMethod(exchange, method, "GET", () -> signIn.status(exchange, admission));
      }
    } else if (path.equals(SignInEndpoint.LINKS_PATH)) {
      requireMethod(exchange, method, "POST", () -> signIn.mintLink(exchange, admission));
    } else if (path.startsWith(ControlEndpoint.PREFIX)) {
      control.handle(exchange, method, path);
    } else if (path.startsWith(ChannelsEndpoint.PREFIX)) {
      channels.handle(exchange, method, path);
    } else if (path.equals("/v1/ws/ticket")) {
      requireMethod(exchange, method, "POST", () -> exchange.sendJson(200, json.createObjectNode()
          .put("subprotocol", WebSocketTickets.SUBPROTOCOL_PREFIX + access.issueTicket(admission))
          .put("expires_in", WebSocketTickets.DEFAULT_TTL.toSeconds())));
    } else if (path.equals("/v1/agents")) {
      requireMethod(exchange, method, "GET", () -> exchange.sendJson(200, agentsJson()));
    } else if (path.equals("/v1/chat/completions")) {
      requireMethod(exchange, method, "POST", () -> {
        JsonNode body = readJson(exchange);
        if (body != null) {
          chat.handle(exchange, body);
        }
      });
    } else if (path.equals("/v1/sessions")) {
      if (method.equals("GET")) {
        listSessions(exchange);
      } else {
        requireMethod(exchange, method, "POST", () -> createSession(exchange));
      }
    } else {
      Matcher matcher = SESSION_PATH.matcher(path);
      if (!matcher.matches()) {
        exchange.sendError(404, "not_found", "no such route");
        return true;
      }
      sessionRoute(exchange, method, matcher.group(1), matcher.group(2) == null ? "" : matcher.group(2));
    }
    return true;
  }

  private void sessionRoute(ApiExchange exchange, String method, String id, String action) throws Exception {
    Optional<SessionRecord> session = sessions.get(id);
    if (session.isEmpty()) {
      exchange.sendError(404, "not_found", "no such session");
      return;
    }
    switch (action) {
      case "" -> {
        if (method.equals("DELETE")) {
          sessions.delete(id);
          exchange.sendJson(200, json.createObjectNode().put("deleted", true).put("id", id));
        } else {
          requireMethod(exchange, method, "GET", () -> exchange.sendJson(200, sessionJson(session.get())));
        }
      }
      case "/events" -> requireMethod(exchange, method, "GET", () -> transcript(exchange, id));
      case "/messages" -> requireMethod(exchange, method, "POST", () -> sendMessage(exchange, id));
      default -> requireMethod(exchange, method, "POST", () -> abort(exchange, id));
    }
  }

  /** 202 {@code {"aborted":true}} when a run was stopped; 409 {@code no_active_run} in the error shape when none ran. */
  private void abort(ApiExchange exchange, String id) {
    if (sessions.abort(id)) {
      exchange.sendJson(202, json.createObjectNode().put("aborted", true));
    } else {
      exchange.sendError(409, "no_active_run", "session " + id + " has no run in progress to abort");
    }
  }

  private void listSessions(ApiExchange exchange) {
    Fields query = Request.extractQueryParameters(exchange.request());
    int limit = intParameter(query, "limit", 100, 1, 1000);
    ObjectNode body = json.createObjectNode();
    ArrayNode list = body.putArray("sessions");
    for (SessionRecord session : sessions.list(query.getValue("agent"), limit)) {
      list.add(sessionJson(session));
    }
    exchange.sendJson(200, body);
  }

  private void createSession(ApiExchange exchange) throws IOException {
    JsonNode body = readJson(exchange);
    if (body == null) {
      return;
    }
    String agent = body.path("agent").asText("");
    try {
      SessionRecord session = sessions.create(agent, body.path("title").asText(""));
      exchange.sendJson(201, sessionJson(session));
    } catch (UnknownSessionException e) {
      exchange.sendError(400, "invalid_request", e.getMessage());
    }
  }

  private void transcript(ApiExchange exchange, String id) {
    Fields query = Request.extractQueryParameters(exchange.request());
    long after = longParameter(query, "after", 0);
    int limit = intParameter(query, "limit", 1000, 1, 10_000);
    ObjectNode body = json.createObjectNode();
    body.put("session", id);
    ArrayNode events = body.putArray("events");
    for (EventRecord event : sessions.events(id, after, limit)) {
      ObjectNode node = events.addObject();
      node.put("seq", event.seq());
      node.put("run_id", event.runId());
      node.put("type", event.type());
      node.put("at", event.createdAt().toString());
      node.set("data", parse(event.payload()));
    }
    exchange.sendJson(200, body);
  }

  private void sendMessage(ApiExchange exchange, String id) throws Exception {
    JsonNode body = readJson(exchange);
    if (body == null) {
      return;
    }
    String content = body.path("content").asText("");
    if (content.isBlank()) {
      exchange.sendError(400, "invalid_request", "content must be a non-empty string");
      return;
    }
    EventSubscription subscription;
    try {
      subscription = sessions.send(id, content);
    } catch (SessionBusyException e) {
      exchange.sendError(409, "session_busy", e.getMessage());
      return;
    } catch (UnknownSessionException e) {
      exchange.sendError(404, "not_found", e.getMessage());
      return;
    }
    exchange.startEvents();
    exchange.header(SESSION_HEADER, id);
    streamUntilDone(exchange, subscription);
  }

  private void streamUntilDone(ApiExchange exchange, EventSubscription subscription) throws Exception {
    while (true) {
      StreamedEvent event = subscription.next(KEEP_ALIVE);
      if (event == null) {
        exchange.write(": keep-alive\n\n");
        continue;
      }
      exchange.writeEvent(event.seq(), event.type(), eventJson(event));
      if (event.type().equals(EventTypes.DONE)) {
        exchange.finish("");
        return;
      }
    }
  }

  ObjectNode eventJson(StreamedEvent event) {
    return events.of(event);
  }

  private ObjectNode agentsJson() {
    ObjectNode body = json.createObjectNode();
    ArrayNode list = body.putArray("agents");
    sessions.agents().forEach(list::add);
    return body;
  }

  ObjectNode sessionJson(SessionRecord session) {
    ObjectNode node = json.createObjectNode();
    node.put("id", session.id());
    node.put("agent", session.agent());
    node.put("title", session.title());
    node.put("created_at", session.createdAt().toString());
    node.put("busy", sessions.busy(session.id()));
    return node;
  }

  /** The body as a JSON object, or null after answering 400/413. */
  private JsonNode readJson(ApiExchange exchange) throws IOException {
    return exchange.readJsonObject(maxRequestBytes).orElse(null);
  }

  private JsonNode parse(String payload) {
    try {
      return json.readTree(payload);
    } catch (IOException e) {
      return json.getNodeFactory().textNode(payload);
    }
  }

  interface Route {
    void run() throws Exception;
  }

  static void requireMethod(ApiExchange exchange, String method, String allowed, Route route)
      throws Exception {
    if (!method.equals(allowed)) {
      exchange.response().getHeaders().put(HttpHeader.ALLOW, allowed);
      exchange.sendError(405, "method_not_allowed", "use " + allowed);
      return;
    }
    route.run();
  }

  static int intParameter(Fields query, String name, int fallback, int min, int max) {
    return (int) Math.max(min, Math.min(max, longParameter(query, name, fallback)));
  }

  static long longParameter(Fields query, String name, long fallback) {
    String value = query.getValue(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
