package dev.clincher.app.manage;

import dev.clincher.common.config.ConfigException;
import dev.clincher.router.keys.DatabaseUrl;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.spendlog.Dimension;
import dev.clincher.router.spendlog.Page;
import dev.clincher.router.spendlog.ReportArguments;
import dev.clincher.router.spendlog.ReportRow;
import dev.clincher.router.spendlog.SpendFilter;
import dev.clincher.router.spendlog.SpendLog;
import dev.clincher.router.spendlog.SpendLogException;
import dev.clincher.router.spendlog.SpendLogSettings;
import dev.clincher.router.spendlog.SpendRecord;
import dev.clincher.router.spendlog.Totals;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code clincher spend report|logs}: the router's spend log read straight from its database (no router needs to run),
 * as the routes {@code /global/spend/report} and {@code /spend/logs} read it, printed as a table or as CSV.
 * Exit codes: 0 done, 2 bad input (picocli's usage errors, naming the option), 1 the database failed.
 */
@Command(name = "spend", mixinStandardHelpOptions = true,
    description = {"Read the router's spend log in its database (LiteLLM's /global/spend/report and /spend/logs; no "
        + "router needs to run). Prints a table, or CSV with --csv.",
        "Keys are shown as their token (SHA-256), never as the key; a key to filter by is given by token or read "
            + "with --key-file."},
    subcommands = {SpendCommand.Report.class, SpendCommand.Logs.class})
public final class SpendCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** What {@code report} and {@code logs} share: the database, the output, the dates. */
  abstract static class SpendQuery implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RouterDatabaseOption database;

    @Option(names = "--csv", description = "RFC 4180 CSV with a header row instead of a table (no total row). A cell "
        + "that begins with =, +, -, @, tab or CR gets a leading ' so that no spreadsheet runs it as a formula (ids "
        + "and model names come from callers).")
    boolean csv;

    /** What is printed: a line about it (above a table; on standard error with --csv) and the rows. */
    record Answer(String note, Table table) {}

    /** Checks the options together, before the database is opened; throws picocli's usage error naming the option. */
    abstract void check();

    /** Reads the answer from {@code log} (in the database {@code url}, which holds the keys too). */
    abstract Answer answer(SpendLog log, DatabaseUrl url) throws SpendLogException, SQLException;

    @Override
    public Integer call() {
      CliLogs.toStandardError();
      check();
      DatabaseUrl url;
      try {
        url = database.url(System.getenv());
      } catch (ConfigException | IllegalArgumentException e) { // they name the key, never the URL's password
        return fail(2, e.getMessage());
      }
      Optional<Path> missing = missingSqliteFile(url);
      if (missing.isPresent()) {
        return fail(1, "no spend log here: the SQLite file " + missing.get() + " does not exist (give the router's "
            + "--config, or set DATABASE_URL)");
      }
      try (SpendLog log = SpendLog.open(url, SpendLogSettings.DEFAULTS)) {
        Answer answer = answer(log, url);
        PrintWriter out = spec.commandLine().getOut();
        if (csv) {
          answer.table().printCsv(out);
          spec.commandLine().getErr().println(answer.note());
          spec.commandLine().getErr().flush();
        } else {
          out.println(answer.note());
          answer.table().printAligned(out);
        }
        return 0;
      } catch (SpendLogException e) {
        if (e.reason() == SpendLogException.Reason.TOO_MANY_ROWS) {
          return fail(2, e.getMessage() + " (--from, --to, --by)");
        }
        return fail(1, e.getMessage() + sqlState(e));
      } catch (SQLException e) {
        return fail(1, "the key database failed (SQLState " + e.getSQLState() + ")");
      }
    }

    ParameterException usage(String message) {
      return new ParameterException(spec.commandLine(), message);
    }

    void ordered(Optional<Instant> from, Optional<Instant> to) {
      if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
        throw usage("--from must come before --to (from " + from.get() + " up to " + to.get() + " is empty)");
      }
    }

    private int fail(int exit, String message) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(spec.qualifiedName(" ").replaceFirst("^clincher ", "") + ": " + message);
      err.flush();
      return exit;
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = {"Requests, tokens and spend (USD) between two dates, grouped (LiteLLM's /global/spend/report), "
          + "with a total row; in the table - marks no value (the master key, no team, no end user)."})
  static final class Report extends SpendQuery {
    @Option(names = "--from", paramLabel = "DAY|INSTANT", converter = From.class,
        description = "From this UTC day (YYYY-MM-DD) or ISO-8601 instant on (default: the first day of this month, "
            + "UTC).")
    Instant from;

    @Option(names = "--to", paramLabel = "DAY|INSTANT", converter = To.class,
        description = "To this UTC day, included, or up to this instant, not included (default: today, UTC).")
    Instant to;

    @Option(names = "--by", paramLabel = "GROUPS", defaultValue = "day", converter = Groups.Converter.class,
        description = "Group by day, model, key (api_key), team, end_user (user, customer) and/or deployment "
            + "(model_id), comma-separated (default: ${DEFAULT-VALUE}).")
    Groups by;

    private Instant start;
    private Instant end;

    @Override
    void check() {
      LocalDate today = LocalDate.now(Clock.systemUTC());
      start = from != null ? from : today.withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC);
      end = to != null ? to : today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
      ordered(Optional.of(start), Optional.of(end));
    }

    @Override
    Answer answer(SpendLog log, DatabaseUrl url) throws SpendLogException {
      List<Dimension> groups = List.copyOf(new TreeSet<>(by.dimensions()));
      List<Table.Column> columns = new ArrayList<>();
      groups.forEach(dimension -> columns.add(Table.Column.text(ReportArguments.name(dimension))));
      List.of("requests", "prompt_tokens", "completion_tokens", "spend_usd")
          .forEach(name -> columns.add(Table.Column.number(name)));
      Table table = new Table(columns);
      Totals total = Totals.ZERO;
      for (ReportRow row : log.report(start, end, by.dimensions())) {
        List<String> cells = new ArrayList<>();
        groups.forEach(dimension -> cells.add(row.group().getOrDefault(dimension, "")));
        table.add(withTotals(cells, row.totals()));
        total = total.plus(row.totals());
      }
      List<String> cells = new ArrayList<>(List.of("total"));
      cells.addAll(java.util.Collections.nCopies(groups.size() - 1, ""));
      table.total(withTotals(cells, total));
      return new Answer("spend " + range(start, end) + ", by " + String.join(",", groups.stream()
          .map(ReportArguments::name).toList()), table);
    }

    private static List<String> withTotals(List<String> cells, Totals totals) {
      cells.addAll(List.of(Long.toString(totals.requests()), Long.toString(totals.promptTokens()),
          Long.toString(totals.completionTokens()), usd(totals.costNanos())));
      return cells;
    }

    /** {@code 2026-03-01 to 2026-03-31 (UTC days, both included)} for whole days, else the two instants. */
    private static String range(Instant start, Instant end) {
      if (midnight(start) && midnight(end)) {
        LocalDate first = LocalDate.ofInstant(start, ZoneOffset.UTC);
        LocalDate last = LocalDate.ofInstant(end, ZoneOffset.UTC).minusDays(1);
        return first.equals(last) ? "on " + first + " (UTC)" : first + " to " + last + " (UTC days, both included)";
      }
      return "from " + start + " up to " + end + " (not included)";
    }

    private static boolean midnight(Instant instant) {
      return instant.toEpochMilli() % Duration.ofDays(1).toMillis() == 0;
    }
  }

  @Command(name = "logs", mixinStandardHelpOptions = true,
      description = {"The spend log's rows, newest first, a page at a time (LiteLLM's /spend/logs); in the table - "
          + "marks no value (the master key, no team, no end user). With --csv every column, the count on standard "
          + "error."})
  static final class Logs extends SpendQuery {
    @Option(names = "--key", paramLabel = "TOKEN",
        description = "Only this key's rows: its token (64 hex digits, as keys list shows it). Never give the key "
            + "itself here (every user of this machine can read a command line): use --key-file.")
    String key;

    @Option(names = "--key-file", paramLabel = "FILE",
        description = "Only the rows of the key (sk-…) or token read from FILE; - reads standard input.")
    String keyFile;

    @Option(names = "--team", paramLabel = "TEAM", description = "Only this team's rows.")
    String team;

    @Option(names = "--end-user", paramLabel = "USER", description = "Only this end user's rows.")
    String endUser;

    @Option(names = "--model", paramLabel = "MODEL", description = "Only the rows of this model (group).")
    String model;

    @Option(names = "--from", paramLabel = "DAY|INSTANT", converter = From.class,
        description = "From this UTC day (YYYY-MM-DD) or ISO-8601 instant on (default: the first row).")
    Instant from;

    @Option(names = "--to", paramLabel = "DAY|INSTANT", converter = To.class,
        description = "To this UTC day, included, or up to this instant, not included (default: the last row).")
    Instant to;

    @Option(names = "--page", defaultValue = "1", description = "Page, from 1 (default: ${DEFAULT-VALUE}).")
    int page;

    @Option(names = "--size", defaultValue = "100", description = "Rows a page, 1 to 1000 (default: ${DEFAULT-VALUE}).")
    int size;

    private Optional<String> keyOrId;

    @Override
    void check() {
      if (page < 1) {
        throw usage("--page must be 1 or more");
      }
      if (size < 1 || size > 1_000) {
        throw usage("--size must be 1 to 1000");
      }
      ordered(Optional.ofNullable(from), Optional.ofNullable(to));
      keyOrId = keyOrId();
    }

    /** The key's id (--key), or the key or id read from --key-file. */
    private Optional<String> keyOrId() {
      if (key != null && keyFile != null) {
        throw usage("give --key TOKEN or --key-file FILE, not both");
      }
      if (key != null) {
        if (!KeyReference.isToken(key)) {
          throw usage("--key takes the key's token (64 hex digits, as keys list shows it); to name a key by the key "
              + "itself use --key-file FILE or --key-file - (a key on the command line is readable by every user of "
              + "this machine)");
        }
        return Optional.of(key);
      }
      if (keyFile != null) {
        try {
          return Optional.of(KeyReference.fromFile(keyFile));
        } catch (ManagementRequest.BadArguments e) {
          throw usage(e.getMessage());
        }
      }
      return Optional.empty();
    }

    @Override
    Answer answer(SpendLog log, DatabaseUrl url) throws SpendLogException, SQLException {
      Optional<String> id = keyOrId.isEmpty() ? Optional.empty() : Optional.of(keyId(keyOrId.get(), url));
      SpendFilter filter = new SpendFilter(id, Optional.ofNullable(team), Optional.ofNullable(endUser),
          Optional.ofNullable(model), Optional.ofNullable(from), Optional.ofNullable(to));
      Table table = new Table(List.of(Table.Column.text("time"), Table.Column.text("request_id"),
          Table.Column.text("api_key"), Table.Column.text("team"), Table.Column.text("end_user"),
          Table.Column.text("model"), Table.Column.text("deployment"), Table.Column.number("prompt_tokens"),
          Table.Column.number("completion_tokens"), Table.Column.number("cache_read_tokens").csvOnly(),
          Table.Column.number("cache_write_tokens").csvOnly(), Table.Column.number("spend_usd"),
          Table.Column.text("cache_hit").csvOnly(), Table.Column.text("estimated").csvOnly(),
          Table.Column.number("status"), Table.Column.number("latency_ms").csvOnly()));
      Page found = log.query(filter, page, size);
      for (SpendRecord record : found.records()) {
        table.add(List.of(record.time().toString(), record.requestId(), record.keyHash().orElse(""),
            record.team().orElse(""), record.endUser().orElse(""), record.modelGroup(), record.deployment(),
            Long.toString(record.promptTokens()), Long.toString(record.completionTokens()),
            Long.toString(record.cacheReadTokens()), Long.toString(record.cacheWriteTokens()),
            usd(record.costNanos()), Boolean.toString(record.cacheHit()), Boolean.toString(record.estimated()),
            Integer.toString(record.status()), Long.toString(record.latencyMillis())));
      }
      return new Answer(count(found), table);
    }

    /** The id the key's rows carry: a key's secret is looked up, so a regenerated key's new secret finds them. */
    private static String keyId(String keyOrId, DatabaseUrl url) throws SQLException {
      if (KeyReference.isToken(keyOrId)) {
        return keyOrId;
      }
      try (KeyStore keys = KeyStore.openUncached(url)) {
        return ReportArguments.keyId(keyOrId, keys);
      }
    }

    private static String count(Page found) {
      long pages = (found.total() + found.size() - 1) / found.size();
      long first = (found.page() - 1L) * found.size() + 1;
      if (found.records().isEmpty()) {
        return found.total() == 0 ? "no rows match" : found.total() + " rows match; page " + found.page()
            + " is past the last (" + pages + ")";
      }
      return found.total() + " rows match, newest first; page " + found.page() + " of " + pages + " (rows " + first
          + "-" + (first + found.records().size() - 1) + ")";
    }
  }

  /** {@code --from}: a UTC day or an instant, where the range starts. */
  static final class From implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      return instant(value, false);
    }
  }

  /** {@code --to}: a UTC day (included) or an instant (not included), where the range ends. */
  static final class To implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      return instant(value, true);
    }
  }

  /** {@code --by}: what a report groups by, with the route's group_by names and synonyms. */
  record Groups(Set<Dimension> dimensions) {
    static final class Converter implements ITypeConverter<Groups> {
      @Override
      public Groups convert(String value) {
        try {
          return new Groups(ReportArguments.dimensions(value));
        } catch (IllegalArgumentException e) {
          throw new TypeConversionException("--by " + e.getMessage());
        }
      }
    }
  }

  private static Instant instant(String value, boolean end) {
    try {
      return ReportArguments.instant(value.trim(), end);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /** USD as a plain decimal, exact to the nano-dollar ({@code 0.0000015}, {@code 12.5}, {@code 0}). */
  static String usd(long nanos) {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
  }

  /** The file of a SQLite database that does not exist (reading it would make an empty one). */
  static Optional<Path> missingSqliteFile(DatabaseUrl url) {
    String prefix = "jdbc:sqlite:";
    if (!url.jdbcUrl().startsWith(prefix)) {
      return Optional.empty();
    }
    String file = url.jdbcUrl().substring(prefix.length()).replaceFirst("\\?.*$", "");
    if (file.isEmpty() || file.startsWith(":") || file.startsWith("file:")) {
      return Optional.empty();
    }
    Path path = Path.of(file);
    return Files.exists(path) ? Optional.empty() : Optional.of(path);
  }

  /** The SQLState of the database error behind {@code e}, unless its message says it already. */
  static String sqlState(SpendLogException e) {
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql && sql.getSQLState() != null) {
        return e.getMessage().contains(sql.getSQLState()) ? "" : " (SQLState " + sql.getSQLState() + ")";
      }
    }
    return "";
  }
}
