package dev.clincher.router.manage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TestPostgres;
import dev.clincher.router.testing.TwoModels;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router with models {@code model-a} and {@code model-b} (fallback a → b) on a fake provider, its key database on
 * SQLite; a subclass overriding {@link #databaseUrl} runs the same tests on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
abstract class ManagementFixture {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String OK = OpenAiWire.completion("c1", "hello"); // 12 + 3 tokens on gpt-4.1 = $0.000048

  FakeUpstream fake;
  RunningRouter router;
  private TestPostgres.Schema schema;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    fake = FakeUpstream.start();
    router = RunningRouter.start(directory, TwoModels.config(fake.apiBase()),
        Map.of("DATABASE_URL", databaseUrl(directory)));
  }

  /** The key database: a SQLite file in {@code directory}. */
  String databaseUrl(Path directory) throws Exception {
    return "sqlite:///" + directory.resolve("management.db");
  }

  /** A fresh PostgreSQL schema as a JDBC URL with its credentials (for subclasses on PostgreSQL). */
  String postgresUrl() throws Exception {
    schema = TestPostgres.freshSchema("router_manage");
    return schema.url().jdbcUrl() + "&user=" + TestPostgres.USER + "&password=" + TestPostgres.PASSWORD;
  }

  @AfterAll
  void stop() throws Exception {
    router.close();
    fake.close();
    if (schema != null) {
      schema.close();
    }
  }

  @BeforeEach
  void reset() {
    fake.reset();
    fake.setDefault(new Json(200, Map.of(), OK));
  }

  /** POSTs {@code body} to {@code path} with the master key; expects 200 and returns the answer. */
  JsonNode ok(String path, String body) throws Exception {
    HttpResponse<String> response = router.post(path, body);
    assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** GETs {@code path} with the master key; expects 200 and returns the answer. */
  JsonNode get(String path) throws Exception {
    HttpResponse<String> response = router.get(path);
    assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** POSTs {@code body} with the master key, expects a 400 naming {@code param}; returns the error. */
  JsonNode badRequest(String path, String body, String param) throws Exception {
    HttpResponse<String> response = router.post(path, body);
    assertThat(response.statusCode()).as(path + " " + body + " → " + response.body()).isEqualTo(400);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("param").isNull() ? null : error.path("param").asText()).as(body).isEqualTo(param);
    assertThat(error.path("message").asText()).isNotBlank();
    return error;
  }

  HttpResponse<String> chat(String key, String model) throws Exception {
    return router.call(key, "/v1/chat/completions",
        "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }

  static String error(HttpResponse<String> response, String field) throws Exception {
    return JSON.readTree(response.body()).path("error").path(field).asText();
  }
}
