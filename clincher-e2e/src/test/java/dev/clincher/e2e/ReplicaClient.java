package dev.clincher.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** HTTP calls of the replica tests, each with a time bound; the bearer secret goes in a header only. */
final class ReplicaClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** A response: status, headers we look at, body. */
  record Reply(int status, String body, HttpResponse<String> raw) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  /** One server-sent event of the gateway: its seq (SSE id), type and JSON data. */
  record Event(long seq, String type, JsonNode data) {}

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .version(HttpClient.Version.HTTP_1_1).build();

  Reply get(String url, String bearer) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET(), bearer);
  }

  Reply post(String url, String bearer, String body) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)), bearer);
  }

  private Reply send(HttpRequest.Builder request, String bearer) throws IOException, InterruptedException {
    request.header("Authorization", "Bearer " + bearer);
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.body(), response);
  }

  /** Starts a streamed request; its events arrive in {@link EventStream#next} as they come. */
  EventStream stream(String url, String bearer, String body) throws IOException, InterruptedException {
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofMinutes(3)).header("Authorization", "Bearer " + bearer)
        .header("Content-Type", "application/json").header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
    return new EventStream(response);
  }

  /**
   * Opens the gateway's WebSocket ({@code ws://…/v1/ws}) with a one-time ticket from {@code POST /v1/ws/ticket},
   * offered as a subprotocol beside {@code clincher.v1}; its events arrive in {@link WebSocketStream#next}.
   */
  WebSocketStream webSocket(String gatewayUrl, String bearer) throws Exception {
    Reply ticket = post(gatewayUrl + "/v1/ws/ticket", bearer, "{}");
    if (ticket.status() != 200) {
      throw new IOException("no WebSocket ticket: " + ticket.status() + " " + ticket.body());
    }
    WebSocketStream stream = new WebSocketStream();
    http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
        .subprotocols("clincher.v1", ticket.json().path("subprotocol").asText())
        .buildAsync(URI.create(gatewayUrl.replaceFirst("^http", "ws") + "/v1/ws"), stream)
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    return stream;
  }

  /** The gateway's WebSocket: one event per text frame (the SSE stream's JSON), {@link EventStream#END} at the end. */
  static final class WebSocketStream implements WebSocket.Listener, AutoCloseable {
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final StringBuilder frame = new StringBuilder();
    private volatile WebSocket socket;

    @Override
    public void onOpen(WebSocket webSocket) {
      socket = webSocket;
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      frame.append(data);
      if (last) {
        try {
          JsonNode event = JSON.readTree(frame.toString());
          events.add(new Event(event.path("seq").asLong(-1), event.path("type").asText(), event));
        } catch (IOException e) {
          events.add(new Event(-1, "[unreadable]", null));
        }
        frame.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      events.add(EventStream.END);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      events.add(EventStream.END); // the server went away: the stream ends here
    }

    /** Sends one JSON message and waits until it was written. */
    void send(JsonNode message) throws Exception {
      socket.sendText(message.toString(), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** The next event (its {@code data} is the whole frame), or null when none arrives within {@code timeout}. */
    Event next(Duration timeout) throws InterruptedException {
      return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
      socket.abort();
    }
  }

  /** The gateway's SSE answer, parsed by a thread of its own into events; bounded waits only. */
  static final class EventStream implements AutoCloseable {
    /** Put in the queue when the stream ends (the server closed it or died). */
    static final Event END = new Event(-1, "[end]", null);

    final int status;
    private final InputStream body;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    EventStream(HttpResponse<InputStream> response) {
      this.status = response.statusCode();
      this.body = response.body();
      Thread.ofVirtual().name("sse-reader").start(this::read);
    }

    private void read() {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
        long seq = -1;
        String type = null;
        StringBuilder data = new StringBuilder();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          if (line.startsWith("id:")) {
            seq = Long.parseLong(line.substring(3).strip());
          } else if (line.startsWith("event:")) {
            type = line.substring(6).strip();
          } else if (line.startsWith("data:")) {
            data.append(line.substring(5).strip());
          } else if (line.isEmpty() && type != null) {
            events.add(new Event(seq, type, JSON.readTree(data.toString())));
            seq = -1;
            type = null;
            data.setLength(0);
          }
        }
      } catch (IOException e) {
        // the server went away: the stream ends here
      }
      events.add(END);
    }

    /** The next event, or null when none arrives within {@code timeout}. */
    Event next(Duration timeout) throws InterruptedException {
      return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Every event until {@code done} or the end of the stream, each waited for at most {@code timeout}. */
    List<Event> untilDone(Duration timeout) throws InterruptedException {
      List<Event> all = new ArrayList<>();
      for (Event event = next(timeout); event != null && event != END; event = next(timeout)) {
        all.add(event);
        if (event.type().equals("done")) {
          break;
        }
      }
      return all;
    }

    @Override
    public void close() throws IOException {
      body.close();
    }
  }
}
