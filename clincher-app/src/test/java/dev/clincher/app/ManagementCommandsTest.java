package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.log.BatchedStdoutAppender;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TestPostgres;
import dev.clincher.router.testing.TwoModels;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code clincher keys|teams|users} against a real key database: a SQLite file with no router running, the same file
 * under a running router (which sees each change within 1 s), and PostgreSQL. Every command line the tests run is
 * kept, and none holds a key: keys go in by file or standard input only.
 */
@Timeout(120)
class ManagementCommandsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path directory;

  final List<List<String>> commandLines = new ArrayList<>();
  final List<String> secrets = new ArrayList<>();

  /** Runs {@code clincher args} in this JVM, keeping its command line. */
  MainTest.Run run(String... args) {
    commandLines.add(List.of(args));
    return MainTest.run(args);
  }

  static JsonNode json(MainTest.Run run) throws Exception {
    assertThat(run.exit()).as(run.err()).isZero();
    return JSON.readTree(run.out());
  }

  /** Runs {@code args} with {@code --config} after the subcommand; expects success and returns the JSON answer. */
  JsonNode ok(Path config, String... args) throws Exception {
    return json(run(withConfig(config, args)));
  }

  static String[] withConfig(Path config, String... args) {
    List<String> all = new ArrayList<>(List.of(args).subList(0, 2));
    all.add("--config");
    all.add(config.toString());
    all.addAll(List.of(args).subList(2, args.length));
    return all.toArray(String[]::new);
  }

  Path config(String databaseUrl, String apiBase) throws Exception {
    Path config = directory.resolve("router-" + commandLines.size() + ".yaml");
    Files.writeString(config, TwoModels.config(apiBase) + "general_settings:\n  database_url: \"" + databaseUrl
        + "\"\n");
    return config;
  }

  Path keyFile(String key) throws Exception {
    secrets.add(key);
    Path file = Files.createTempFile(directory, "key", ".txt");
    Files.writeString(file, key + "\n");
    return file;
  }

  void noSecretInAnyCommandLine() {
    assertThat(secrets).isNotEmpty();
    for (List<String> commandLine : commandLines) {
      for (String secret : secrets) {
        assertThat(String.join(" ", commandLine)).doesNotContain(secret).doesNotContain(secret.substring(3, 20));
      }
    }
  }

  @Test
  void keysTeamsAndUsersWithNoRouterRunning() throws Exception {
    Path config = config("sqlite:///" + directory.resolve("keys.db"), "http://127.0.0.1:9/v1");
    JsonNode team = ok(config, "teams", "new", "--team-id", "qa", "--team-alias", "QA", "--models", "model-a",
        "--max-budget", "10", "--member", "ana:admin");
    assertThat(team.path("members_with_roles").get(0).path("role").asText()).isEqualTo("admin");
    ok(config, "users", "new", "--user-id", "bob", "--user-email", "bob@example.com", "--team", "qa", "--no-key");

    JsonNode generated = ok(config, "keys", "generate", "--team-id", "qa", "--user-id", "bob", "--key-alias", "ci",
        "--max-budget", "5", "--budget-duration", "30d", "--metadata", "{\"owner\":\"ci\"}");
    String key = generated.path("key").asText();
    String token = generated.path("token").asText();
    Path file = keyFile(key);
    assertThat(key).startsWith("sk-");
    assertThat(generated.path("team_id").asText()).isEqualTo("qa");
    assertThat(generated.path("spend").isNull()).as("spend is the routers' to count").isTrue();

    assertThat(ok(config, "keys", "info", "--key-file", file.toString()).path("key").asText()).isEqualTo(token);
    JsonNode info = ok(config, "keys", "info", token);
    assertThat(info.path("info").path("metadata").path("owner").asText()).isEqualTo("ci");
    assertThat(info.toString()).doesNotContain(key);
    assertThat(ok(config, "keys", "update", token, "--rpm-limit", "9", "--models", "model-a").path("rpm_limit")
        .asLong()).isEqualTo(9);
    assertThat(ok(config, "keys", "list", "--team-id", "qa").path("keys").get(0).asText()).isEqualTo(token);
    assertThat(ok(config, "keys", "block", token).path("blocked").asBoolean()).isTrue();
    assertThat(ok(config, "keys", "unblock", "--key-file", file.toString()).path("blocked").asBoolean()).isFalse();

    JsonNode regenerated = ok(config, "keys", "regenerate", "--key-file", file.toString());
    Path newFile = keyFile(regenerated.path("key").asText());
    assertThat(regenerated.path("token").asText()).isEqualTo(token);
    assertThat(run(withConfig(config, "keys", "info", "--key-file", file.toString())).exit())
        .as("the old key is gone").isEqualTo(3);
    assertThat(ok(config, "keys", "info", "--key-file", newFile.toString()).path("key").asText()).isEqualTo(token);

    assertThat(ok(config, "teams", "info", "qa").path("keys").findValuesAsText("token")).containsExactly(token);
    assertThat(ok(config, "teams", "list").findValuesAsText("team_alias")).contains("QA");
    assertThat(ok(config, "teams", "member-add", "qa", "--user-id", "cy").path("updated_users").get(0)
        .path("user_id").asText()).isEqualTo("cy");
    assertThat(ok(config, "teams", "member-delete", "qa", "--user-id", "cy").path("members_with_roles")
        .findValuesAsText("user_id")).containsExactlyInAnyOrder("ana", "bob");
    assertThat(ok(config, "teams", "update", "qa", "--tpm-limit", "5").path("data").path("tpm_limit").asLong())
        .isEqualTo(5);
    assertThat(ok(config, "teams", "block", "qa").path("blocked").asBoolean()).isTrue();
    assertThat(ok(config, "teams", "unblock", "qa").path("blocked").asBoolean()).isFalse();
    assertThat(ok(config, "users", "info", "bob").path("user_info").path("teams").get(0).asText()).isEqualTo("qa");
    assertThat(ok(config, "users", "update", "bob", "--models", "model-a").path("data").path("models").get(0)
        .asText()).isEqualTo("model-a");
    assertThat(ok(config, "users", "list").path("users").findValuesAsText("user_id")).contains("ana", "bob");
    JsonNode withKey = ok(config, "users", "new", "--user-id", "dee", "--key-alias", "dee-key");
    keyFile(withKey.path("key").asText());
    assertThat(withKey.path("key_alias").asText()).isEqualTo("dee-key");

    assertThat(ok(config, "keys", "delete", token).path("deleted_keys").get(0).asText()).isEqualTo(token);
    assertThat(ok(config, "teams", "delete", "qa").path("deleted_teams").get(0).asText()).isEqualTo("qa");
    assertThat(ok(config, "users", "delete", "bob", "dee").path("deleted_users")).hasSize(2);
    noSecretInAnyCommandLine();
  }

  @Test
  void badInputIsRefusedNamingTheFieldAndAKeyIsNeverTakenAsAnArgument() throws Exception {
    Path config = config("sqlite:///" + directory.resolve("bad.db"), "http://127.0.0.1:9/v1");
    MainTest.Run zero = run(withConfig(config, "keys", "generate", "--max-budget", "0"));
    assertThat(zero.exit()).isEqualTo(2);
    assertThat(zero.err()).contains("keys generate:").contains("max_budget");
    assertThat(zero.out()).isEmpty();
    MainTest.Run team = run(withConfig(config, "keys", "generate", "--team-id", "nope"));
    assertThat(team.exit()).isEqualTo(2);
    assertThat(team.err()).contains("team_id");
    assertThat(run(withConfig(config, "keys", "generate", "--metadata", "[1]")).err()).contains("--metadata");
    assertThat(run(withConfig(config, "teams", "info", "nope")).exit()).isEqualTo(3);
    assertThat(run(withConfig(config, "keys", "info")).exit()).isEqualTo(2);
    assertThat(json(run(withConfig(config, "keys", "list"))).path("total_count").asLong())
        .as("nothing was written").isZero();

    String key = ok(config, "keys", "generate").path("key").asText();
    secrets.add(key);
    assertThat(run("keys", "info", "--config", config.toString(), "not-a-token").exit()).isEqualTo(2);
    MainTest.Run secretArgument = run("keys", "block", "--config", config.toString(), "sk-" + "A".repeat(43));
    assertThat(secretArgument.exit()).isEqualTo(2);
    assertThat(secretArgument.err()).contains("--key-file").doesNotContain("A".repeat(43));

    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream((key + "\n").getBytes(StandardCharsets.UTF_8)));
      assertThat(ok(config, "keys", "block", "--key-file", "-").path("blocked").asBoolean()).isTrue();
    } finally {
      System.setIn(stdin);
    }
    assertThat(consoleTargets()).as("log lines go to standard error").containsOnly("System.err");
    noSecretInAnyCommandLine();
  }

  @Test
  void aRunningRouterSeesTheCommandsWithin1s() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start()) {
      Path database = directory.resolve("shared.db");
      Path config = config("sqlite:///" + database, fake.apiBase());
      JsonNode before = ok(config, "keys", "generate", "--models", "model-a");
      try (RunningRouter router = RunningRouter.start(directory, Files.readString(config), Map.of())) {
        String key = before.path("key").asText();
        Path file = keyFile(key);
        assertThat(status(router, key)).as("a key made while no router ran").isEqualTo(200);

        long started = System.nanoTime();
        ok(config, "keys", "block", before.path("token").asText());
        assertThat(refusedWithin(router, key)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        ok(config, "keys", "unblock", before.path("token").asText());

        JsonNode regenerated = ok(config, "keys", "regenerate", "--key-file", file.toString());
        keyFile(regenerated.path("key").asText());
        assertThat(refusedWithin(router, key)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(status(router, regenerated.path("key").asText())).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
      }
    }
    noSecretInAnyCommandLine();
  }

  @Test
  void onPostgresql() throws Exception {
    try (TestPostgres.Schema schema = TestPostgres.freshSchema("app_keys")) {
      String base = TestPostgres.URL.replaceFirst("^jdbc:postgresql://", "");
      Path config = config("postgresql://" + TestPostgres.USER + ":" + TestPostgres.PASSWORD + "@" + base
          + "?currentSchema=" + schema.name(), "http://127.0.0.1:9/v1");
      ok(config, "teams", "new", "--team-id", "pg-team", "--models", "model-a");
      JsonNode generated = ok(config, "keys", "generate", "--team-id", "pg-team");
      keyFile(generated.path("key").asText());
      MainTest.Run info = run(withConfig(config, "teams", "info", "pg-team"));
      assertThat(json(info).path("keys").findValuesAsText("token")).containsExactly(generated.path("token").asText());
      assertThat(info.out() + info.err()).doesNotContain(TestPostgres.PASSWORD + "@");
      MainTest.Run missing = run(withConfig(config, "users", "info", "nobody"));
      assertThat(missing.exit()).isEqualTo(3);
    }
    noSecretInAnyCommandLine();
  }

  static int status(RunningRouter router, String key) throws Exception {
    return router.call(key, "/v1/models", null).statusCode();
  }

  /** How long until {@code router} refuses {@code key}, polling every 10 ms for at most 5 s. */
  static Duration refusedWithin(RunningRouter router, String key) throws Exception {
    long started = System.nanoTime();
    while (status(router, key) == 200 && System.nanoTime() - started < Duration.ofSeconds(5).toNanos()) {
      Thread.sleep(10);
    }
    assertThat(status(router, key)).isEqualTo(401);
    return Duration.ofNanos(System.nanoTime() - started);
  }

  static List<String> consoleTargets() {
    List<String> targets = new ArrayList<>();
    collect((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME), targets);
    return targets;
  }

  private static void collect(AppenderAttachable<ILoggingEvent> parent, List<String> targets) {
    for (Iterator<Appender<ILoggingEvent>> it = parent.iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> appender = it.next();
      if (appender instanceof ConsoleAppender<ILoggingEvent> console) {
        targets.add(console.getTarget());
      } else if (appender instanceof BatchedStdoutAppender batched) {
        targets.add(batched.getTarget());
      } else if (appender instanceof AppenderAttachable<?> nested) {
        @SuppressWarnings("unchecked")
        AppenderAttachable<ILoggingEvent> attachable = (AppenderAttachable<ILoggingEvent>) nested;
        collect(attachable, targets);
      }
    }
  }
}
