package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.keys.VirtualKey;
import dev.clincher.router.spendlog.SpendLog;
import dev.clincher.router.spendlog.SpendLogSettings;
import dev.clincher.router.spendlog.SpendRecord;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.TestPostgres;
import dev.clincher.router.testing.TwoModels;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clincher spend report|logs} against a real spend log (a SQLite file with no router running, and PostgreSQL),
 * seeded through {@link SpendLog#append}: the table and its total, the CSV read back, groupings, the edges of a date
 * range, filters and pages, formula and terminal-escape neutralising, bad input by option, the group bound and
 * database failures. No command line holds a key, and no output holds one.
 */
@Timeout(120)
class SpendCommandTest {
  static final String KEY_A = "sk-spend-test-" + "a".repeat(30);
  static final String KEY_B = "sk-spend-test-" + "b".repeat(30);
  static final String HASH_A = VirtualKey.hash(KEY_A);
  static final String HASH_B = VirtualKey.hash(KEY_B);

  /**
   * Two rows on 2026-03-01 (at its first and its last millisecond), one on 03-02, and one just outside 03-01..03-02
   * on either side.
   */
  static final List<SpendRecord> SEED = List.of(
      record("r1", "2026-03-01T00:00:00Z", Optional.of(HASH_A), "qa", "ana", "gpt", "gpt#0", 100, 20, 1_500),
      record("r2", "2026-03-01T23:59:59.999Z", Optional.of(HASH_B), "=cmd()", null, "claude", "claude#0", 200, 40,
          2_000_000_000),
      record("r3", "2026-03-02T12:00:00Z", Optional.empty(), null, "bob", "gpt", "gpt#1", 50, 10, 123_456_789),
      record("r4", "2026-03-03T00:00:00Z", Optional.of(HASH_A), "qa", null, "gpt", "gpt#0", 1, 1, 1_000_000_000),
      record("r5", "2026-02-28T23:59:59.999Z", Optional.of(HASH_A), "qa", null, "gpt", "gpt#0", 1, 1, 1_000_000_000));

  @TempDir
  Path directory;

  final List<List<String>> commandLines = new ArrayList<>();

  static SpendRecord record(String id, String time, Optional<String> key, String team, String user, String model,
      String deployment, long prompt, long completion, long nanos) {
    return new SpendRecord(id, Instant.parse(time), key, Optional.ofNullable(team), Optional.ofNullable(user), model,
        deployment, prompt, completion, 0, 0, nanos, false, false, 200, 120);
  }

  /** Runs {@code clincher spend args}, keeping its command line. */
  MainTest.Run spend(String... args) {
    List<String> all = new ArrayList<>(List.of("spend"));
    all.addAll(List.of(args));
    commandLines.add(all);
    return MainTest.run(all.toArray(String[]::new));
  }

  /** Like {@link #spend}; expects success. */
  MainTest.Run ok(String... args) {
    MainTest.Run run = spend(args);
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out() + run.err()).doesNotContain("sk-").doesNotContain(KEY_A.substring(3))
        .doesNotContain(KEY_B.substring(3));
    return run;
  }

  Path config(String databaseUrl) throws Exception {
    Path config = directory.resolve("router-" + commandLines.size() + ".yaml");
    Files.writeString(config, TwoModels.config("http://127.0.0.1:9/v1") + "general_settings:\n  database_url: \""
        + databaseUrl + "\"\n");
    return config;
  }

  /** A SQLite spend log holding {@code records}, and a router config naming it. */
  Path seeded(String name, List<SpendRecord> records) throws Exception {
    Path file = directory.resolve(name + ".db");
    seed(DatabaseUrl.sqlite(file), records);
    return config("sqlite:///" + file);
  }

  static void seed(DatabaseUrl url, List<SpendRecord> records) throws Exception {
    try (SpendLog log = SpendLog.open(url, SpendLogSettings.DEFAULTS)) {
      for (SpendRecord record : records) {
        assertThat(log.append(record)).isEqualTo(SpendLog.Appended.WRITTEN);
      }
    }
  }

  Path keyFile(String key) throws Exception {
    Path file = Files.createTempFile(directory, "key", ".txt");
    Files.writeString(file, key + "\n");
    return file;
  }

  /** The table printed: caption, header, rows and (when there is one) the total row's numbers. */
  record Printed(String caption, List<String> header, List<List<String>> rows, List<String> total) {
    static Printed of(String out) {
      List<String> lines = out.lines().toList();
      List<List<String>> rows = new ArrayList<>();
      List<String> total = List.of();
      for (int i = 2; i < lines.size(); i++) {
        if (lines.get(i).matches("-+")) {
          total = cells(lines.get(i + 1));
          break;
        }
        rows.add(cells(lines.get(i)));
      }
      return new Printed(lines.get(0), cells(lines.get(1)), rows, total);
    }

    static List<String> cells(String line) {
      return Arrays.asList(line.trim().split(" {2,}"));
    }

    /** Column {@code name} of every row. */
    List<String> column(String name) {
      int index = header.indexOf(name);
      assertThat(index).as(name).isNotNegative();
      return rows.stream().map(row -> row.get(index)).toList();
    }

    /** The sum of a numeric column over the rows. */
    BigDecimal sum(String name) {
      return column(name).stream().map(BigDecimal::new).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** The total row's value under {@code name} (its cells are the label and the four numbers). */
    BigDecimal total(String name) {
      int fromEnd = header.size() - header.indexOf(name);
      return new BigDecimal(total.get(total.size() - fromEnd));
    }
  }

  /** RFC 4180: fields, quoted ones with doubled quotes and line breaks inside, records ended by CRLF. */
  static List<List<String>> parseCsv(String text) {
    List<List<String>> records = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"' && field.isEmpty()) {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        fields.add(field.toString());
        field.setLength(0);
        records.add(fields);
        fields = new ArrayList<>();
        i++;
      } else {
        assertThat(c).as("a bare quote, CR or LF outside quotes at " + i).isNotIn('"', '\r', '\n');
        field.append(c);
      }
    }
    assertThat(field.isEmpty() && fields.isEmpty()).as("the last record ends with CRLF").isTrue();
    return records;
  }

  @Test
  void reportByDayIsATableWhoseTotalIsTheSumOfItsRows() throws Exception {
    Path config = seeded("day", SEED);
    Printed table = Printed.of(ok("report", "--config", config.toString(), "--from", "2026-03-01", "--to",
        "2026-03-02").out());
    assertThat(table.caption()).isEqualTo("spend 2026-03-01 to 2026-03-02 (UTC days, both included), by day");
    assertThat(table.header()).containsExactly("day", "requests", "prompt_tokens", "completion_tokens", "spend_usd");
    assertThat(table.rows()).containsExactly(
        List.of("2026-03-01", "2", "300", "60", "2.000001500"),
        List.of("2026-03-02", "1", "50", "10", "0.123456789"));
    for (String column : List.of("requests", "prompt_tokens", "completion_tokens", "spend_usd")) {
      assertThat(table.total(column)).as(column).isEqualByComparingTo(table.sum(column));
    }
    assertThat(table.total("spend_usd")).isEqualByComparingTo("2.123458289");
    assertThat(table.total.get(0)).isEqualTo("total");
    assertThat(String.join(" ", table.column("spend_usd"))).doesNotContainIgnoringCase("e");

    Printed byModel = Printed.of(ok("report", "--config", config.toString(), "--from", "2026-03-01", "--to",
        "2026-03-02", "--by", "model_group").out());
    assertThat(byModel.rows()).containsExactly(List.of("claude", "1", "200", "40", "2.000000000"),
        List.of("gpt", "2", "150", "30", "0.123458289"));
    assertThat(byModel.total("spend_usd")).isEqualByComparingTo(table.total("spend_usd"));
  }

  @Test
  void reportAsCsvByModelKeyAndTeamReadsBackWithFormulasDefused() throws Exception {
    Path config = seeded("csv", SEED);
    MainTest.Run run = ok("report", "--config", config.toString(), "--from", "2026-03-01", "--to", "2026-03-02",
        "--by", "model,key,team", "--csv");
    assertThat(run.out()).endsWith("\r\n").contains("'=cmd()").doesNotContain("\r\n=cmd()").doesNotContain(",=cmd");
    List<List<String>> csv = parseCsv(run.out());
    assertThat(csv.get(0)).containsExactly("model", "api_key", "team", "requests", "prompt_tokens",
        "completion_tokens", "spend_usd");
    assertThat(csv.subList(1, csv.size())).containsExactly(
        List.of("claude", HASH_B, "'=cmd()", "1", "200", "40", "2"),
        List.of("gpt", "", "", "1", "50", "10", "0.123456789"),
        List.of("gpt", HASH_A, "qa", "1", "100", "20", "0.0000015"));
    BigDecimal csvSpend = csv.subList(1, csv.size()).stream().map(row -> new BigDecimal(row.get(6)))
        .reduce(BigDecimal.ZERO, BigDecimal::add);
    Printed table = Printed.of(ok("report", "--config", config.toString(), "--from", "2026-03-01", "--to",
        "2026-03-02", "--by", "team,key,model").out());
    assertThat(table.header().subList(0, 3)).as("the same columns in the same order").containsExactly("model",
        "api_key", "team");
    assertThat(table.rows().get(1).subList(0, 3)).as("no value is shown as -").containsExactly("gpt", "-", "-");
    assertThat(table.total()).as("the total row leaves the other groups blank").containsExactly("total", "3", "350",
        "70", "2.123458289");
    assertThat(table.total("spend_usd")).isEqualByComparingTo(csvSpend);
    assertThat(run.err()).contains("spend 2026-03-01 to 2026-03-02");

    String byUserText = ok("report", "--config", config.toString(), "--from", "2026-02-01", "--to", "2026-03-31",
        "--by", "customer,deployment", "--csv").out();
    List<List<String>> byUser = parseCsv(byUserText);
    assertThat(byUser.get(0).subList(0, 2)).containsExactly("end_user", "deployment");
    assertThat(byUser.stream().skip(1).mapToLong(row -> Long.parseLong(row.get(2))).sum()).as(byUserText)
        .isEqualTo(SEED.size());
  }

  @Test
  void theEndDayIsIncludedAnInstantIsNotAndAnEmptyRangeTotalsZero() throws Exception {
    Path config = seeded("edges", SEED);
    String file = config.toString();
    Printed oneDay = Printed.of(ok("report", "--config", file, "--from", "2026-03-01", "--to", "2026-03-01").out());
    assertThat(oneDay.caption()).isEqualTo("spend on 2026-03-01 (UTC), by day");
    assertThat(oneDay.rows()).containsExactly(List.of("2026-03-01", "2", "300", "60", "2.0000015"));

    Printed instants = Printed.of(ok("report", "--config", file, "--from", "2026-03-01T00:00:00.001Z", "--to",
        "2026-03-01T23:59:59.999Z").out());
    assertThat(instants.caption()).isEqualTo("spend from 2026-03-01T00:00:00.001Z up to 2026-03-01T23:59:59.999Z "
        + "(not included), by day");
    assertThat(instants.rows()).as("the first millisecond is before, the last not included").isEmpty();
    assertThat(instants.total()).containsExactly("total", "0", "0", "0", "0");

    Printed all = Printed.of(ok("report", "--config", file, "--from", "2026-02-28", "--to", "2026-03-03").out());
    assertThat(all.column("day")).containsExactly("2026-02-28", "2026-03-01", "2026-03-02", "2026-03-03");
    assertThat(all.total("requests")).isEqualByComparingTo("5");

    Printed empty = Printed.of(ok("report", "--config", file, "--from", "2025-01-01", "--to", "2025-01-31",
        "--by", "team").out());
    assertThat(empty.rows()).isEmpty();
    assertThat(empty.total()).containsExactly("total", "0", "0", "0", "0");
    assertThat(parseCsv(ok("report", "--config", file, "--from", "2025-01-01", "--to", "2025-01-31", "--csv").out()))
        .as("only the header").hasSize(1);
  }

  @Test
  void theDefaultRangeIsThisMonthUpToTodayIncluded() throws Exception {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    Instant monthStart = today.withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    Instant tomorrow = today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    Path config = seeded("defaults", List.of(
        record("now", Instant.now().toString(), Optional.of(HASH_A), "qa", null, "gpt", "gpt#0", 1, 1, 10),
        record("first", monthStart.toString(), Optional.of(HASH_A), "qa", null, "gpt", "gpt#0", 1, 1, 20),
        record("before", monthStart.minusMillis(1).toString(), Optional.of(HASH_A), "qa", null, "gpt", "gpt#0", 1,
            1, 40),
        record("tomorrow", tomorrow.toString(), Optional.of(HASH_A), "qa", null, "gpt", "gpt#0", 1, 1, 80)));
    Printed table = Printed.of(ok("report", "--config", config.toString(), "--by", "team").out());
    assertThat(table.caption()).startsWith("spend ").contains(today.withDayOfMonth(1).toString());
    assertThat(table.total("requests")).isEqualByComparingTo("2");
    assertThat(table.total("spend_usd")).isEqualByComparingTo("0.00000003");
  }

  @Test
  void logsAreFilteredAndPagedNewestFirstAndAKeyIsReadFromAFileOrStandardInput() throws Exception {
    Path config = seeded("logs", SEED);
    String file = config.toString();
    Printed byKeyFile = Printed.of(ok("logs", "--config", file, "--key-file", keyFile(KEY_A).toString()).out());
    assertThat(byKeyFile.caption()).isEqualTo("3 rows match, newest first; page 1 of 1 (rows 1-3)");
    assertThat(byKeyFile.column("request_id")).containsExactly("r4", "r1", "r5");
    assertThat(byKeyFile.column("api_key")).containsOnly(HASH_A);
    assertThat(byKeyFile.header()).containsExactly("time", "request_id", "api_key", "team", "end_user", "model",
        "deployment", "prompt_tokens", "completion_tokens", "spend_usd", "status");

    Printed page = Printed.of(ok("logs", "--config", file, "--key", HASH_A, "--size", "2", "--page", "2").out());
    assertThat(page.caption()).isEqualTo("3 rows match, newest first; page 2 of 2 (rows 3-3)");
    assertThat(page.column("request_id")).containsExactly("r5");
    assertThat(Printed.of(ok("logs", "--config", file, "--key", HASH_A, "--page", "9").out()).caption())
        .isEqualTo("3 rows match; page 9 is past the last (1)");

    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream((KEY_B + "\n").getBytes(StandardCharsets.UTF_8)));
      assertThat(Printed.of(ok("logs", "--config", file, "--key-file", "-").out()).column("request_id"))
          .containsExactly("r2");
    } finally {
      System.setIn(stdin);
    }

    assertThat(Printed.of(ok("logs", "--config", file, "--model", "gpt", "--from", "2026-03-01", "--to",
        "2026-03-02").out()).column("request_id")).containsExactly("r3", "r1");
    Printed bob = Printed.of(ok("logs", "--config", file, "--end-user", "bob").out());
    assertThat(bob.rows()).containsExactly(List.of("2026-03-02T12:00:00Z", "r3", "-", "-", "bob", "gpt", "gpt#1",
        "50", "10", "0.123456789", "200"));
    assertThat(Printed.of(ok("logs", "--config", file, "--team", "nobody").out()).caption())
        .isEqualTo("no rows match");

    MainTest.Run csv = ok("logs", "--config", file, "--team", "=cmd()", "--csv");
    List<List<String>> rows = parseCsv(csv.out());
    assertThat(rows.get(0)).containsExactly("time", "request_id", "api_key", "team", "end_user", "model",
        "deployment", "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "spend_usd",
        "cache_hit", "estimated", "status", "latency_ms");
    assertThat(rows.subList(1, rows.size())).containsExactly(List.of("2026-03-01T23:59:59.999Z", "r2", HASH_B,
        "'=cmd()", "", "claude", "claude#0", "200", "40", "0", "0", "2", "false", "false", "200", "120"));
    assertThat(csv.err()).contains("1 rows match");

    List<List<String>> everything = parseCsv(ok("logs", "--config", file, "--csv", "--size", "1000").out());
    assertThat(everything).hasSize(SEED.size() + 1);
    assertThat(everything.stream().skip(1).map(row -> row.get(2)))
        .allMatch(key -> key.isEmpty() || key.matches("[0-9a-f]{64}"));
    assertThat(ManagementCommandsTest.consoleTargets()).as("log lines go to standard error")
        .containsOnly("System.err");
    noKeyInAnyCommandLine();
  }

  @Test
  void aTableShowsNoTerminalEscapesAndCsvQuotesWhatNeedsIt() throws Exception {
    Path config = seeded("escapes", List.of(
        record("e1", "2026-03-01T10:00:00Z", Optional.empty(), "\u001b[31mred\u202e", "a,\"b\"\r\nc", "gpt", "d", 1,
            1, 5),
        record("e2", "2026-03-01T11:00:00Z", Optional.empty(), "+1", "-2", "@sum", "\tx", 1, 1, 5)));
    String file = config.toString();
    MainTest.Run table = ok("report", "--config", file, "--from", "2026-03-01", "--to", "2026-03-01", "--by",
        "team,user");
    assertThat(table.out()).doesNotContain("\u001b").doesNotContain("\u202e").contains("?[31mred?")
        .contains("a,\"b\"??c");
    List<List<String>> csv = parseCsv(ok("logs", "--config", file, "--csv").out());
    assertThat(csv.get(1).subList(3, 7)).as("e2, the newest, first").containsExactly("'+1", "'-2", "'@sum", "'\tx");
    assertThat(csv.get(2).subList(3, 5)).containsExactly("\u001b[31mred\u202e", "a,\"b\"\r\nc");
  }

  @Test
  void badInputIsAUsageErrorNamingTheOption() throws Exception {
    Path config = seeded("bad", SEED);
    String file = config.toString();
    String secret = KEY_A;
    record Case(List<String> args, String named) {}
    for (Case bad : List.of(
        new Case(List.of("report", "--from", "2026-13-01"), "--from"),
        new Case(List.of("report", "--to", "yesterday"), "--to"),
        new Case(List.of("report", "--by", "day,colour"), "--by"),
        new Case(List.of("report", "--from", "2026-03-05", "--to", "2026-03-01"), "--from must come before --to"),
        new Case(List.of("report", "--from", "2999-01-01"), "--from must come before --to"),
        new Case(List.of("logs", "--size", "1001"), "--size"),
        new Case(List.of("logs", "--page", "0"), "--page"),
        new Case(List.of("logs", "--page", "one"), "--page"),
        new Case(List.of("logs", "--from", "2026-03-02", "--to", "2026-03-01T00:00:00Z"), "--from"),
        new Case(List.of("logs", "--key", secret), "--key-file"),
        new Case(List.of("logs", "--key", HASH_A, "--key-file", "-"), "not both"),
        new Case(List.of("logs", "--key-file", directory.resolve("missing").toString()), "--key-file"))) {
      List<String> args = new ArrayList<>(bad.args());
      args.addAll(List.of("--config", file));
      MainTest.Run run = spend(args.toArray(String[]::new));
      assertThat(run.exit()).as(String.join(" ", args) + ": " + run.err()).isEqualTo(2);
      assertThat(run.err()).as(String.join(" ", args)).contains(bad.named()).doesNotContain(secret.substring(3));
      assertThat(run.out()).isEmpty();
    }
    assertThat(spend("report", "--by", "colour", "--config", file).err())
        .contains("Invalid value for option '--by': --by takes day, model, api_key, team, end_user or deployment")
        .contains("not 'colour'");
    assertThat(ok("report", "--help").out()).contains("formula").contains("--by");
    assertThat(ok("--help").out()).contains("report").contains("logs");
  }

  @Test
  void moreGroupsThanTheBoundIsAClearError() throws Exception {
    Path file = directory.resolve("many.db");
    seed(DatabaseUrl.sqlite(file), List.of());
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement()) {
      statement.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100001) "
          + "INSERT INTO spend_logs (request_id, logged_at, key_hash, team, end_user, model_group, deployment, "
          + "prompt_tokens, completion_tokens, cache_read_tokens, cache_write_tokens, cost_nanos, cache_hit, estimated, "
          + "status, latency_millis) SELECT 'm' || i, " + Instant.parse("2026-03-01T12:00:00Z").toEpochMilli()
          + ", NULL, NULL, 'user-' || i, 'gpt', 'gpt#0', 1, 1, 0, 0, 10, 0, 0, 200, 1 FROM n");
    }
    Path config = config("sqlite:///" + file);
    MainTest.Run tooMany = spend("report", "--config", config.toString(), "--from", "2026-03-01", "--to",
        "2026-03-01", "--by", "end_user");
    assertThat(tooMany.exit()).as(tooMany.err()).isEqualTo(2);
    assertThat(tooMany.err()).startsWith("spend report: more than 100000 groups").contains("--by");
    assertThat(tooMany.out()).isEmpty();
    Printed byDay = Printed.of(ok("report", "--config", config.toString(), "--from", "2026-03-01", "--to",
        "2026-03-01").out());
    assertThat(byDay.total("requests")).isEqualByComparingTo("100001");
  }

  @Test
  void whileARouterRunsTheCommandReadsWhatItLoggedAgreesWithItsCostsAndFollowsARegeneratedKey() throws Exception {
    try (FakeUpstream fake = FakeUpstream.start()) {
      fake.setDefault(new FakeUpstream.Json(200, Map.of(), OpenAiWire.completion("c", "ok")));
      Path config = directory.resolve("live.yaml");
      Files.writeString(config, """
          model_list:
            - model_name: metered
              litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY,
                               input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
          general_settings:
            database_url: "sqlite:///%s"
          """.formatted(fake.apiBase(), directory.resolve("live.db")));
      try (RunningRouter router = RunningRouter.start(directory, Files.readString(config), Map.of())) {
        String key = new ObjectMapper().readTree(router.post("/key/generate", "{}").body()).path("key").asText();
        List<String> ids = new ArrayList<>();
        BigDecimal cost = BigDecimal.ZERO;
        for (String user : List.of("alice", "alice", "bob")) {
          HttpResponse<String> answered = router.call(key, "/v1/chat/completions", "{\"model\":\"metered\","
              + "\"user\":\"" + user + "\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
          assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
          ids.add(answered.headers().firstValue("x-litellm-call-id").orElseThrow());
          cost = cost.add(new BigDecimal(answered.headers().firstValue("x-litellm-response-cost").orElseThrow()));
        }
        Printed report = Printed.of(ok("report", "--config", config.toString(), "--by", "key,end_user").out());
        assertThat(report.rows()).extracting(row -> row.subList(0, 3)).containsExactly(
            List.of(VirtualKey.hash(key), "alice", "2"), List.of(VirtualKey.hash(key), "bob", "1"));
        assertThat(cost).isPositive();
        assertThat(report.total("spend_usd")).as("the router's own cost headers").isEqualByComparingTo(cost);
        Printed logs = Printed.of(ok("logs", "--config", config.toString(), "--key-file", keyFile(key).toString())
            .out());
        assertThat(logs.column("request_id")).containsExactlyInAnyOrderElementsOf(ids);

        HttpResponse<String> regenerated = router.post("/key/regenerate", "{\"key\":\"" + VirtualKey.hash(key)
            + "\"}");
        assertThat(regenerated.statusCode()).as(regenerated.body()).isEqualTo(200);
        String newKey = new ObjectMapper().readTree(regenerated.body()).path("key").asText();
        Printed again = Printed.of(ok("logs", "--config", config.toString(), "--key-file", keyFile(newKey).toString())
            .out());
        assertThat(again.column("request_id")).as("the new secret finds the key's rows")
            .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(router.call(newKey, "/v1/models", null).statusCode()).as("the router is unaffected").isEqualTo(200);
      }
    }
    noKeyInAnyCommandLine();
  }

  @Test
  void anUnreachableOrMissingDatabaseFailsWithoutItsPassword() throws Exception {
    Path postgres = config("postgresql://spender:hunter2-secret@127.0.0.1:1/spend");
    MainTest.Run unreachable = spend("report", "--config", postgres.toString());
    assertThat(unreachable.exit()).as(unreachable.err()).isEqualTo(1);
    assertThat(unreachable.err()).startsWith("spend report: cannot open the spend log").doesNotContain("hunter2");
    assertThat(unreachable.out()).isEmpty();

    Path missing = directory.resolve("missing.db");
    MainTest.Run none = spend("logs", "--config", config("sqlite:///" + missing).toString());
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.err()).contains("spend logs: no spend log here").contains(missing.toString());
    assertThat(missing).as("reading makes no database").doesNotExist();
  }

  @Test
  void onPostgresqlTheSameAnswersAsOnSqlite() throws Exception {
    try (TestPostgres.Schema schema = TestPostgres.freshSchema("app_spend")) {
      seed(schema.url(), SEED);
      String base = TestPostgres.URL.replaceFirst("^jdbc:postgresql://", "");
      Path postgres = config("postgresql://" + TestPostgres.USER + ":" + TestPostgres.PASSWORD + "@" + base
          + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema.name());
      Path sqlite = seeded("same", SEED);
      for (List<String> args : List.of(
          List.of("report", "--from", "2026-03-01", "--to", "2026-03-02"),
          List.of("report", "--from", "2026-02-01", "--to", "2026-03-31", "--by", "day,model,key,team,end_user,"
              + "deployment", "--csv"),
          List.of("logs", "--key-file", keyFile(KEY_A).toString()),
          List.of("logs", "--csv", "--from", "2026-03-01T00:00:00Z"))) {
        List<String> onPostgres = new ArrayList<>(args);
        onPostgres.addAll(List.of("--config", postgres.toString()));
        List<String> onSqlite = new ArrayList<>(args);
        onSqlite.addAll(List.of("--config", sqlite.toString()));
        MainTest.Run run = ok(onPostgres.toArray(String[]::new));
        assertThat(run.out()).as(String.join(" ", args)).isNotBlank()
            .isEqualTo(ok(onSqlite.toArray(String[]::new)).out());
        assertThat(run.out() + run.err()).doesNotContain(TestPostgres.PASSWORD + "@");
      }
      Path wrong = config("postgresql://" + TestPostgres.USER + ":wrong-pw-secret@" + base);
      MainTest.Run refused = spend("report", "--config", wrong.toString());
      assertThat(refused.exit()).as(refused.err()).isEqualTo(1);
      assertThat(refused.err()).contains("cannot open the spend log").doesNotContain("wrong-pw-secret");
    }
    noKeyInAnyCommandLine();
  }

  void noKeyInAnyCommandLine() {
    for (List<String> commandLine : commandLines) {
      assertThat(String.join(" ", commandLine)).doesNotContain(KEY_A.substring(3)).doesNotContain(KEY_B.substring(3));
    }
  }
}
