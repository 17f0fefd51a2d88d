package dev.clincher.gateway.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.clincher.common.config.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The model calls of a run share one connection to the router: after {@code [DONE]} the client reads the chunked
 * body to its end, so the connection goes back to the pool instead of being closed (an unfinished body cannot be
 * reused, and every step would pay a new TCP connection and the router's accept). A router that keeps the stream
 * open after {@code [DONE]} costs a bounded wait, then the connection is cut and never reused. An interrupt of the
 * caller (a run's stop) closes the connection; a POST is never re-sent by the client; a connection the router closed
 * while it was idle is not written to; a stream silent longer than the timeout ends the call.
 */
@Timeout(30)
class ChatClientConnectionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ANSWER = """
      data: {"id":"c1","choices":[{"index":0,"delta":{"content":"hel"}}]}

      data: {"id":"c1","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}

      data: [DONE]

      """;

  private HttpServer server;
  private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
  private final List<ChatClient> clients = new ArrayList<>();

  @AfterEach
  void stop() {
    clients.forEach(ChatClient::close);
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void consecutiveCallsReuseOneConnection() throws Exception {
    URI base = serve(exchange -> {
      streamHeaders(exchange);
      try (OutputStream body = exchange.getResponseBody()) {
        body.write(ANSWER.getBytes(StandardCharsets.UTF_8));
        body.flush(); // the data, then the chunked body's end in a later write, as a streaming server sends them
      }
    });
    ChatClient client = client(base);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      texts.add(client.complete(request(), delta -> { }).content());
    }
    assertThat(texts).containsOnly("hello");
    assertThat(clientPorts).as("client ports the router saw over five calls").hasSize(1);
  }

  @Test
  void aRouterThatKeepsTheStreamOpenAfterDoneCostsABoundedWait() throws Exception {
    CountDownLatch released = new CountDownLatch(1);
    URI base = serveThenStall(ANSWER, released); // never ends the body on its own within the test
    long started = System.nanoTime();
    ChatStep step = client(base).complete(request(), delta -> { });
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    released.countDown();
    assertThat(step.content()).isEqualTo("hello");
    assertThat(waitedMillis).as("the answer came back after the drain's bound, not the router's 20 s")
        .isBetween(ChatClient.DRAIN_WAIT.toMillis(), ChatClient.DRAIN_WAIT.toMillis() + 10_000);
  }

  @Test
  void aCutConnectionIsNotReusedAndTheNextCallOpensANewOne() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    URI base = serve(exchange -> {
      streamHeaders(exchange);
      OutputStream body = exchange.getResponseBody();
      body.write(ANSWER.getBytes(StandardCharsets.UTF_8));
      body.flush();
      if (calls.incrementAndGet() == 1) {
        try {
          Thread.sleep(ChatClient.DRAIN_WAIT.toMillis() + 3_000); // the first body never ends in time
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      body.close();
    });
    ChatClient client = client(base);
    assertThat(client.complete(request(), delta -> { }).content()).isEqualTo("hello");
    assertThat(client.complete(request(), delta -> { }).content()).isEqualTo("hello");
    assertThat(clientPorts).as("client ports: the cut connection was not written to again").hasSize(2);
  }

  @Test
  void aConnectionTheRouterClosedWhileIdleIsNotUsedForTheNextCall() throws Exception {
    // LiteLLM (uvicorn) closes a kept connection after 5 s idle: the next call must not be written to it (it would
    // fail, and a POST is never re-sent), so a connection idle for a while is checked before reuse.
    AtomicInteger requests = new AtomicInteger();
    try (ServerSocket listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      acceptEach(listener, socket -> serveOneThenCloseIdle(socket, requests));
      ChatClient client = client(URI.create("http://127.0.0.1:" + listener.getLocalPort()));
      assertThat(client.complete(request(), delta -> { }).content()).isEqualTo("hello");
      Thread.sleep(1_500); // the server closed the kept connection after 100 ms
      assertThat(client.complete(request(), delta -> { }).content()).isEqualTo("hello");
      assertThat(requests.get()).isEqualTo(2);
    }
  }

  @Test
  void aRefusalWithAnAuthenticationChallengeIsTheAnswerNotANegotiation() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    URI base = serve(exchange -> {
      calls.incrementAndGet();
      exchange.getResponseHeaders().add("WWW-Authenticate", "Negotiate");
      exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"router\"");
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      byte[] error = "{\"error\":{\"message\":\"invalid key\",\"type\":\"auth_error\"}}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(401, error.length);
      try (OutputStream body = exchange.getResponseBody()) {
        body.write(error);
      }
    });
    assertThatThrownBy(() -> client(base).complete(request(), delta -> { }))
        .isInstanceOfSatisfying(LlmException.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.getMessage()).isEqualTo("invalid key");
        });
    assertThat(calls.get()).as("requests the router received").isEqualTo(1);
  }

  @Test
  void aStreamSilentLongerThanTheTimeoutEndsTheCall() throws Exception {
    CountDownLatch released = new CountDownLatch(1);
    URI base = serveThenStall( // a model that stops mid-answer
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n", released);
    long started = System.nanoTime();
    try {
      assertThatThrownBy(() -> client(base, Duration.ofSeconds(1)).complete(request(), delta -> { }))
          .isInstanceOf(LlmException.class).hasMessageContaining("broke off");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(1_000L, 10_000L);
    } finally {
      released.countDown();
    }
  }

  @Test
  void interruptingTheCallerDuringAStalledStreamCancelsTheCallAtTheRouter() throws Exception {
    CountDownLatch firstChunkSent = new CountDownLatch(1);
    CountDownLatch clientWentAway = new CountDownLatch(1);
    URI base = serve(exchange -> {
      streamHeaders(exchange);
      OutputStream body = exchange.getResponseBody();
      String chunk = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n";
      try {
        for (int i = 0; i < 200; i++) { // 20 s at most: a model that goes on and on
          body.write(chunk.getBytes(StandardCharsets.UTF_8));
          body.flush();
          firstChunkSent.countDown();
          Thread.sleep(100);
        }
      } catch (IOException e) {
        clientWentAway.countDown(); // the write failed: the client closed the connection
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    ChatClient client = client(base);
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    CountDownLatch deltaSeen = new CountDownLatch(1);
    Thread run = Thread.ofVirtual().start(() -> {
      try {
        client.complete(request(), delta -> deltaSeen.countDown());
      } catch (Exception e) {
        outcome.set(e);
      }
    });
    assertThat(firstChunkSent.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(deltaSeen.await(10, TimeUnit.SECONDS)).isTrue();
    long interrupted = System.nanoTime();
    run.interrupt();
    assertThat(run.join(Duration.ofSeconds(5))).as("the call returned soon after the interrupt").isTrue();
    assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
    assertThat(clientWentAway.await(5, TimeUnit.SECONDS)).as("the router saw the connection closed").isTrue();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - interrupted)).isLessThan(5_000);
  }

  @Test
  void aPostIsNeverSentTwiceWhenTheRouterDropsAKeptConnection() throws Exception {
    // A raw server: the first request is answered on a kept-alive connection; the second, on that same connection,
    // is read and then the connection is closed without an answer (as a router that died mid-call). A client that
    // re-sends POSTs on a failed kept connection (the JDK's default for HttpURLConnection without streaming mode)
    // would send it a third time on a new connection: a paid completion twice.
    AtomicInteger requests = new AtomicInteger();
    try (ServerSocket listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      Thread serverThread = acceptEach(listener, socket -> serveRaw(socket, requests));
      ChatClient client = client(URI.create("http://127.0.0.1:" + listener.getLocalPort()));
      assertThat(client.complete(request(), delta -> { }).content()).isEqualTo("hello");
      assertThatThrownBy(() -> client.complete(request(), delta -> { })).isInstanceOf(LlmException.class);
      Thread.sleep(300); // a re-sent request would arrive now
      assertThat(requests.get()).as("requests the router received").isEqualTo(2);
      listener.close();
      serverThread.join(Duration.ofSeconds(5));
    }
  }

  /** Accepts connections on {@code listener} until it is closed, each served on its own virtual thread. */
  private static Thread acceptEach(ServerSocket listener, Consumer<Socket> serve) {
    return Thread.ofVirtual().start(() -> {
      try {
        while (true) {
          Socket socket = listener.accept();
          Thread.ofVirtual().start(() -> serve.accept(socket));
        }
      } catch (IOException closed) {
        // the test is over
      }
    });
  }

  /** The whole {@link #ANSWER} as one chunk and the chunked body's end, in one write. */
  private static void writeAnswer(OutputStream out) throws IOException {
    byte[] answer = ANSWER.getBytes(StandardCharsets.UTF_8);
    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + Integer.toHexString(answer.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(answer);
    out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static void serveRaw(Socket socket, AtomicInteger requests) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      while (readRequest(in)) {
        if (requests.incrementAndGet() >= 2) {
          return; // read, then the connection closes without an answer
        }
        writeAnswer(out);
      }
    } catch (IOException e) {
      // the client went away
    }
  }

  /** Answers one request, then closes the connection 100 ms later, as a server's idle timeout does. */
  private static void serveOneThenCloseIdle(Socket socket, AtomicInteger requests) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      if (readRequest(in)) {
        requests.incrementAndGet();
        writeAnswer(out);
        Thread.sleep(100);
      }
    } catch (IOException | InterruptedException e) {
      // the client went away, or the test is over
    }
  }

  /** Reads one request (head and a Content-Length body); false at the end of the connection. */
  private static boolean readRequest(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      head.append((char) c);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
          if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).strip());
          }
        }
        in.readNBytes(length);
        return true;
      }
    }
    return false;
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  private URI serve(Handler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v1/chat/completions", exchange -> {
      clientPorts.add(exchange.getRemoteAddress().getPort());
      exchange.getRequestBody().readAllBytes();
      handler.handle(exchange);
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Streams {@code text}, then holds the body open until {@code released} (20 s at most). */
  private URI serveThenStall(String text, CountDownLatch released) throws IOException {
    return serve(exchange -> {
      streamHeaders(exchange);
      OutputStream body = exchange.getResponseBody();
      body.write(text.getBytes(StandardCharsets.UTF_8));
      body.flush();
      try {
        released.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      body.close();
    });
  }

  private static void streamHeaders(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0); // chunked
  }

  private ChatClient client(URI base) {
    return client(base, Duration.ofSeconds(20));
  }

  private ChatClient client(URI base, Duration timeout) {
    ChatClient client = new ChatClient(base, Secret.of("sk-test-key-0123456789"), timeout, JSON);
    clients.add(client);
    return client;
  }

  private static ObjectNode request() {
    ObjectNode request = JSON.createObjectNode().put("model", "scripted");
    request.putArray("messages").addObject().put("role", "user").put("content", "hi");
    return request;
  }
}
