package dev.clincher.router.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TwoModels;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two routers on one key database (SQLite file here, PostgreSQL in {@link RevocationPostgresTest}): a key blocked,
 * deleted, regenerated or expired on one, and a team blocked or deleted, is refused by the other within 1 s, though
 * the other had the key cached; an unblocked key works again there within 1 s. Each change is timed from the moment
 * its request is sent to the first refusal, polling every 10 ms.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class RevocationTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration BOUND = Duration.ofSeconds(1);

  FakeUpstream fake;
  RunningRouter first;
  RunningRouter second;
  long slowestMillis;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    fake = FakeUpstream.start();
    String database = databaseUrl(directory);
    first = RunningRouter.start(directory, TwoModels.config(fake.apiBase()), Map.of("DATABASE_URL", database));
    second = RunningRouter.start(directory, TwoModels.config(fake.apiBase()), Map.of("DATABASE_URL", database));
  }

  String databaseUrl(Path directory) throws Exception {
    return "sqlite:///" + directory.resolve("shared.db");
  }

  @AfterAll
  void stop() throws Exception {
    System.out.println(getClass().getSimpleName() + ": slowest change seen by the other router after "
        + slowestMillis + " ms");
    first.close();
    second.close();
    fake.close();
  }

  /** A new key, already used (so cached) on the second router. */
  JsonNode cachedKey(String body) throws Exception {
    HttpResponse<String> generated = first.post("/key/generate", body);
    assertThat(generated.statusCode()).as(generated.body()).isEqualTo(200);
    JsonNode key = JSON.readTree(generated.body());
    assertThat(status(second, key.path("key").asText())).isEqualTo(200);
    assertThat(status(second, key.path("key").asText())).isEqualTo(200);
    return key;
  }

  /**
   * Sends {@code change} to the first router, then polls the second with {@code key} until it answers
   * {@code expected}; returns the first router's answer.
   */
  JsonNode seenWithinBound(String path, String change, String key, int expected) throws Exception {
    long started = System.nanoTime();
    HttpResponse<String> response = first.post(path, change);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    long deadline = started + Duration.ofSeconds(5).toNanos();
    int status = status(second, key);
    while (status != expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
      status = status(second, key);
    }
    long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
    slowestMillis = Math.max(slowestMillis, millis);
    assertThat(status).as(path + " seen by the other router").isEqualTo(expected);
    assertThat(millis).as(path + " seen by the other router after (ms)").isLessThanOrEqualTo(BOUND.toMillis());
    return JSON.readTree(response.body());
  }

  static int status(RunningRouter router, String key) throws Exception {
    return router.call(key, "/v1/models", null).statusCode();
  }

  @Test
  void aBlockedKeyIsRefusedAndAnUnblockedOneAcceptedOnTheOtherRouter() throws Exception {
    JsonNode key = cachedKey("{}");
    String body = "{\"key\":\"" + key.path("token").asText() + "\"}";
    seenWithinBound("/key/block", body, key.path("key").asText(), 401);
    seenWithinBound("/key/unblock", body, key.path("key").asText(), 200);
  }

  @Test
  void aDeletedKeyIsRefusedOnTheOtherRouter() throws Exception {
    JsonNode key = cachedKey("{}");
    seenWithinBound("/key/delete", "{\"keys\":[\"" + key.path("token").asText() + "\"]}", key.path("key").asText(),
        401);
  }

  @Test
  void aRegeneratedKeysOldSecretIsRefusedOnTheOtherRouterAndTheNewOneWorks() throws Exception {
    JsonNode key = cachedKey("{}");
    JsonNode regenerated = seenWithinBound("/key/regenerate", "{\"key\":\"" + key.path("token").asText() + "\"}",
        key.path("key").asText(), 401);
    assertThat(status(second, regenerated.path("key").asText())).as("the new secret works there at once")
        .isEqualTo(200);
  }

  @Test
  void aKeyExpiredEarlyIsRefusedOnTheOtherRouter() throws Exception {
    JsonNode key = cachedKey("{\"duration\":\"30d\"}");
    String expired = "{\"key\":\"" + key.path("token").asText() + "\",\"expires\":\"2020-01-01T00:00:00Z\"}";
    seenWithinBound("/key/update", expired, key.path("key").asText(), 400);
  }

  @Test
  void aBlockedOrDeletedTeamsKeysAreRefusedOnTheOtherRouter() throws Exception {
    String team = "revoked-" + System.nanoTime();
    assertThat(first.post("/team/new", "{\"team_id\":\"" + team + "\"}").statusCode()).isEqualTo(200);
    JsonNode key = cachedKey("{\"team_id\":\"" + team + "\"}");
    seenWithinBound("/team/block", "{\"team_id\":\"" + team + "\"}", key.path("key").asText(), 401);
    seenWithinBound("/team/unblock", "{\"team_id\":\"" + team + "\"}", key.path("key").asText(), 200);
    seenWithinBound("/team/delete", "{\"team_ids\":[\"" + team + "\"]}", key.path("key").asText(), 401);
  }
}
