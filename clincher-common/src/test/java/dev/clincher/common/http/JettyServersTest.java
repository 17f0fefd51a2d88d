package dev.clincher.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.health.Health;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class JettyServersTest {
  private final HttpClient client = HttpClient.newHttpClient();
  private Server server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  private static Handler answering(String body) {
    return new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
      }
    };
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + JettyServers.port(server) + path);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesOnAnEphemeralLoopbackPortOnVirtualThreads() throws Exception {
    AtomicBoolean virtual = new AtomicBoolean();
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0), new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        virtual.set(Thread.currentThread().isVirtual());
        response.write(true, ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8)), callback);
        return true;
      }
    });
    assertThat(JettyServers.port(server)).isPositive();
    HttpResponse<String> response = get("/");
    assertThat(response.body()).isEqualTo("hi");
    assertThat(virtual).isTrue();
    assertThat(response.headers().firstValue("server")).isEmpty();
  }

  @Test
  void oversizeRequestHeadIsRejectedWith431Json() throws Exception {
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0).withMaxRequestHeaderBytes(4096), answering("ok"));
    String response = rawRequest("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(8000) + "\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 431");
    assertThat(response).contains("\"error\":{\"type\":");
    assertThat(get("/").body()).as("a normal request still works").isEqualTo("ok");
  }

  @Test
  void malformedRequestIsA400Json() throws Exception {
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0), answering("ok"));
    String response = rawRequest("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 400");
    assertThat(response).contains("{\"error\":{\"type\":\"bad_request\"");
  }

  @Test
  void oversizeBodyIsRejectedWith413() throws Exception {
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0).withMaxRequestBodyBytes(1024), new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String body = Content.Source.asString(request);
        response.write(true, ByteBuffer.wrap(("read " + body.length()).getBytes(StandardCharsets.UTF_8)), callback);
        return true;
      }
    });
    HttpResponse<String> small = client.send(HttpRequest.newBuilder(uri("/"))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(small.body()).isEqualTo("read 100");
    HttpResponse<String> big = client.send(HttpRequest.newBuilder(uri("/"))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(5000))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(big.statusCode()).isEqualTo(413);
  }

  @Test
  void handlerFailureIsA500JsonWithoutTheExceptionMessage() throws Exception {
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0), new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        throw new IllegalStateException("internal detail sk-should-not-leak");
      }
    });
    HttpResponse<String> response = get("/");
    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(new ObjectMapper().readTree(response.body()).at("/error/type").textValue()).isEqualTo("server_error");
    assertThat(response.body()).doesNotContain("sk-should-not-leak");
  }

  @Test
  void gracefulStopFinishesRequestsInFlightAndDrainsReadiness() throws Exception {
    Health health = new Health();
    CountDownLatch entered = new CountDownLatch(1);
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0).withStopTimeout(Duration.ofSeconds(5)),
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) throws Exception {
            entered.countDown();
            Thread.sleep(700);
            response.write(true, ByteBuffer.wrap("finished".getBytes(StandardCharsets.UTF_8)), callback);
            return true;
          }
        }, health);
    assertThat(health.isReady()).isTrue();
    CompletableFuture<HttpResponse<String>> inFlight =
        client.sendAsync(HttpRequest.newBuilder(uri("/slow")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
    server.stop();
    assertThat(health.readiness().checks().get("server").detail()).isEqualTo("draining");
    HttpResponse<String> response = inFlight.get(5, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("finished");
    server = null;
  }

  @Test
  void busyPortIsAClearError() throws Exception {
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0), answering("ok"));
    int port = JettyServers.port(server);
    assertThatThrownBy(() -> JettyServers.start(JettyServers.Options.defaults("127.0.0.1", port), answering("x")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot start HTTP server");
  }

  @Test
  void optionsAreValidated() {
    assertThatThrownBy(() -> JettyServers.Options.defaults("127.0.0.1", 70000)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JettyServers.Options.defaults("127.0.0.1", 0).withMaxThreads(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Refuses every request with 401 without reading its body, as an authentication check does. */
  private static Handler refusingUnread() {
    return new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        JsonErrors.send(response, callback, 401, "no");
        return true;
      }
    };
  }

  /** Reads one answer's head and its Content-Length body from {@code in}. */
  private static String readAnswer(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) b);
    }
    int length = Integer.parseInt(head.toString().toLowerCase(java.util.Locale.ROOT)
        .replaceAll("(?s).*content-length: *(\\d+).*", "$1"));
    return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
  }

  /** Starts a server refusing every request unread and connects to it. */
  private Socket connectToRefusingServer() throws IOException {
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0), refusingUnread());
    Socket socket = new Socket("127.0.0.1", JettyServers.port(server));
    socket.setSoTimeout(5000);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  @Test
  void anAnswerSentBeforeTheBodyArrivedSaysTheConnectionCloses() throws Exception {
    try (Socket socket = connectToRefusingServer()) {
      send(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"); // the body never comes

      String answer = readAnswer(socket.getInputStream());

      assertThat(answer).startsWith("HTTP/1.1 401").containsIgnoringCase("connection: close");
      assertThat(socket.getInputStream().read()).as("closed after the answer").isEqualTo(-1);
    }
  }

  @Test
  void anAnswerToAWholeUnreadBodyKeepsTheConnection() throws Exception {
    try (Socket socket = connectToRefusingServer()) {
      for (int i = 0; i < 3; i++) { // the arrived body is discarded, the connection serves the next request
        send(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
        String answer = readAnswer(socket.getInputStream());
        assertThat(answer).as("answer %d", i).startsWith("HTTP/1.1 401").doesNotContainIgnoringCase("connection: close");
      }
    }
  }

  @Test
  void pooledPostsRefusedUnreadAllGetTheirAnswer() throws Exception {
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0), refusingUnread());
    String body = "x".repeat(200); // the JDK client sends it after the head: it may arrive after the answer
    for (int i = 0; i < 500; i++) {
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/x"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("request %d", i).isEqualTo(401);
    }
  }

  private String rawRequest(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", JettyServers.port(server))) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
