package dev.clincher.gateway.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.clincher.common.config.Secret;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The model calls of a run share one connection to the router: after {@code [DONE]} the client reads the chunked
 * body to its end, so the connection goes back to the pool instead of being closed (closing an unfinished body
 * makes the JDK client drop the connection, and every step would pay a new TCP connection and the router's accept).
 * A router that keeps the stream open after {@code [DONE]} costs a bounded wait, then the connection is cut.
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

  @AfterEach
  void stop() {
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
    URI base = serve(exchange -> {
      streamHeaders(exchange);
      OutputStream body = exchange.getResponseBody();
      body.write(ANSWER.getBytes(StandardCharsets.UTF_8));
      body.flush();
      try {
        released.await(20, TimeUnit.SECONDS); // never ends the body on its own within the test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      body.close();
    });
    long started = System.nanoTime();
    ChatStep step = client(base).complete(request(), delta -> { });
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    released.countDown();
    assertThat(step.content()).isEqualTo("hello");
    assertThat(waitedMillis).as("the answer came back after the drain's bound, not the router's 20 s")
        .isLessThan(ChatClient.DRAIN_WAIT.toMillis() + 10_000);
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

  private static void streamHeaders(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
    exchange.sendResponseHeaders(200, 0); // chunked
  }

  private static ChatClient client(URI base) {
    return new ChatClient(ChatClient.defaultHttpClient(), base, Secret.of("sk-test-key-0123456789"),
        Duration.ofSeconds(20), JSON);
  }

  private static ObjectNode request() {
    ObjectNode request = JSON.createObjectNode().put("model", "scripted");
    request.putArray("messages").addObject().put("role", "user").put("content", "hi");
    return request;
  }
}
