package dev.clincher.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.Secret;
import dev.clincher.common.health.CheckResult;
import dev.clincher.common.health.Health;
import dev.clincher.common.metrics.Metrics;
import dev.clincher.common.metrics.MetricsAccess;
import dev.clincher.common.testing.LogCapture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class OpsHandlerTest {
  private static final String TOKEN = "metrics-token-5f4e3d2c1b";
  private static final MetricsAccess OFF = MetricsAccess.off("--metrics-token-file");

  private final HttpClient client = HttpClient.newHttpClient();
  private final Health health = new Health();
  private final Metrics metrics = Metrics.create("test");
  private Server server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    metrics.close();
  }

  private void start(OpsHandler handler) throws Exception {
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0), handler, health);
  }

  private HttpResponse<String> send(String method, String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + JettyServers.port(server) + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, null);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return new ObjectMapper().readTree(response.body());
  }

  @Test
  void livelinessAnswers200Json() throws Exception {
    start(new OpsHandler(health, metrics, OFF));
    HttpResponse<String> response = get("/health/liveliness");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).contains("application/json");
    assertThat(json(response).get("status").textValue()).isEqualTo("healthy");
    assertThat(get("/health/liveness").statusCode()).isEqualTo(200);
  }

  @Test
  void readinessIs200WhenReadyAnd503WhenACheckFails() throws Exception {
    AtomicBoolean dbUp = new AtomicBoolean(true);
    health.addReadinessCheck("db", () -> dbUp.get() ? CheckResult.up() : CheckResult.down("unreachable"));
    start(new OpsHandler(health, metrics, OFF));
    assertThat(get("/health/readiness").statusCode()).isEqualTo(200);
    dbUp.set(false);
    HttpResponse<String> down = get("/health/readiness");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(json(down).at("/checks/db/detail").textValue()).isEqualTo("unreachable");
  }

  @Test
  void metricsWithoutAConfiguredTokenAreOffAndSaySo() throws Exception {
    start(new OpsHandler(health, metrics, OFF));
    try (LogCapture logs = new LogCapture()) {
      HttpResponse<String> response = send("GET", "/metrics", "Bearer anything");
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(json(response).at("/error/message").textValue())
          .contains("no metrics token is configured").contains("--metrics-token-file");
      assertThat(logs.text()).contains("metrics.access").contains("metrics_token_not_configured");
    }
  }

  @Test
  void metricsWithTokenNeedTheRightBearer() throws Exception {
    start(new OpsHandler(health, metrics, MetricsAccess.token(Secret.of(TOKEN))));
    try (LogCapture logs = new LogCapture()) {
      HttpResponse<String> missing = get("/metrics");
      assertThat(missing.statusCode()).isEqualTo(401);
      assertThat(missing.headers().firstValue("www-authenticate")).contains("Bearer realm=\"metrics\"");
      assertThat(json(missing).at("/error/type").textValue()).isEqualTo("unauthorized");
      assertThat(send("GET", "/metrics", "Bearer " + TOKEN + "x").statusCode()).isEqualTo(401);
      assertThat(send("GET", "/metrics", "Basic " + TOKEN).statusCode()).isEqualTo(401);
      assertThat(send("GET", "/metrics", "Bearer").statusCode()).isEqualTo(401);
      HttpResponse<String> ok = send("GET", "/metrics", "Bearer " + TOKEN);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("process_uptime_seconds");
      assertThat(ok.headers().firstValue("content-type")).contains(Metrics.CONTENT_TYPE);
      assertThat(send("GET", "/metrics", "bearer " + TOKEN).statusCode()).isEqualTo(200);
      assertThat(logs.text()).doesNotContain(TOKEN).contains("metrics_token_missing").contains("metrics_token_wrong");
    }
    assertThat(get("/health/liveliness").statusCode()).as("health needs no token").isEqualTo(200);
  }

  @Test
  void otherMethodsAre405() throws Exception {
    start(new OpsHandler(health, metrics, OFF));
    HttpResponse<String> response = send("POST", "/health/readiness", null);
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("allow")).contains("GET, HEAD");
    assertThat(json(response).at("/error/type").textValue()).isEqualTo("method_not_allowed");
    assertThat(send("HEAD", "/health/liveliness", null).statusCode()).isEqualTo(200);
  }

  @Test
  void otherPathsGoToTheServiceHandler() throws Exception {
    Handler service = new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        response.setStatus(200);
        response.write(true, ByteBuffer.wrap("service".getBytes(StandardCharsets.UTF_8)), callback);
        return true;
      }
    };
    start(new OpsHandler(health, metrics, OFF, service));
    assertThat(get("/v1/models").body()).isEqualTo("service");
    assertThat(get("/health/liveliness/extra").body()).isEqualTo("service");
    assertThat(json(get("/health/liveliness")).get("status").textValue()).isEqualTo("healthy");
  }

  @Test
  void withoutAServiceHandlerOtherPathsAreJson404() throws Exception {
    start(new OpsHandler(health, metrics, OFF));
    HttpResponse<String> response = get("/nothing-here");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(json(response).at("/error/type").textValue()).isEqualTo("not_found");
  }
}
