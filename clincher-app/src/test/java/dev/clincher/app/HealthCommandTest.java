package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HealthCommandTest {
  private HttpServer server;
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/health/readiness", exchange -> {
      requests.incrementAndGet();
      byte[] body = ("{\"status\":\"" + (status.get() == 200 ? "healthy" : "unhealthy") + "\"}\nsecond line")
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status.get(), body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.createContext("/moved", exchange -> {
      requests.incrementAndGet();
      exchange.getResponseHeaders().add("Location", "/health/readiness");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  record Run(int exit, String out, String err) {}

  private Run run(Map<String, String> env, String... args) {
    CommandLine commandLine = new CommandLine(new HealthCommand(env));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out));
    commandLine.setErr(new PrintWriter(err));
    return new Run(commandLine.execute(args), out.toString(), err.toString());
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Test
  void http200IsHealthyAndShowsTheFirstLine() {
    Run run = run(Map.of(), url("/health/readiness"));
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("HTTP 200 {\"status\":\"healthy\"}").doesNotContain("second line");
  }

  @Test
  void http503IsUnhealthyAndSaysWhy() {
    status.set(503);
    Run run = run(Map.of(), url("/health/readiness"));
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("HTTP 503 {\"status\":\"unhealthy\"}");
  }

  @Test
  void aRedirectIsNotFollowed() {
    Run run = run(Map.of(), url("/moved"));
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("HTTP 302");
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void theUrlComesFromTheEnvironmentWhenNotGiven() {
    Run run = run(Map.of(HealthProbe.URL_VARIABLE, url("/health/readiness")));
    assertThat(run.exit()).isZero();
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void noListenerIsUnhealthy() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    Run run = run(Map.of(), "--timeout=1s", "http://127.0.0.1:" + closedPort + "/health/readiness");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("did not answer", "ConnectException");
  }

  @Test
  void badUrlsAreRefusedWithExitCode2() {
    assertThat(run(Map.of()).err()).contains("no URL", HealthProbe.URL_VARIABLE);
    assertThat(run(Map.of()).exit()).isEqualTo(2);
    Run credentials = run(Map.of(), "http://user:secret@127.0.0.1:1/health");
    assertThat(credentials.exit()).isEqualTo(2);
    assertThat(credentials.err()).contains("credentials").doesNotContain("secret");
    assertThat(run(Map.of(), "file:///etc/passwd").exit()).isEqualTo(2);
    assertThat(run(Map.of(), "http://[not a url").exit()).isEqualTo(2);
    assertThat(requests.get()).isZero();
  }

  @Test
  void healthIsASubcommandOfClincher() {
    assertThat(MainTest.run("health", "--help").out()).contains("exit 0 on HTTP 200");
  }
}
