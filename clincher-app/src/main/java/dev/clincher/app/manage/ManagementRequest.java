package dev.clincher.app.manage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clincher.common.json.JsonMappers;
import dev.clincher.router.keys.KeyStore;
import dev.clincher.router.manage.Management;
import dev.clincher.router.manage.ManagementException;
import dev.clincher.router.manage.SpendView;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * One request of LiteLLM's management API made from the command line, straight against the router's database (no
 * router needs to run; a running one sees the change within 1 s): the same validation, transactions and answers as the
 * router's routes ({@link Management}), the answer printed as JSON on standard output, log lines on standard error.
 * Spend is not shown ({@code null}): it is counted by the routers. Exit codes: 0 done, 2 bad input, 3 not found,
 * 1 the database failed.
 */
abstract class ManagementRequest implements Callable<Integer> {
  static final ObjectMapper JSON = JsonMappers.newMapper();

  @Spec
  CommandSpec spec;

  @Mixin
  RouterDatabaseOption database;

  /** The route this command makes a request to. */
  abstract Management.Route route();

  /** The request's fields, from the command's options. */
  abstract ObjectNode input() throws BadArguments;

  /** Arguments that make no request (e.g. a key given on the command line). */
  static final class BadArguments extends Exception {
    private static final long serialVersionUID = 1L;

    BadArguments(String message) {
      super(message);
    }
  }

  @Override
  public Integer call() throws Exception {
    CliLogs.toStandardError();
    ObjectNode input;
    try {
      input = input();
    } catch (BadArguments e) {
      return fail(2, e.getMessage());
    }
    try (KeyStore store = open(System.getenv())) {
      JsonNode answer = new Management(store, SpendView.UNKNOWN, Clock.systemUTC(), JSON, "cli")
          .handle(route(), input);
      PrintWriter out = spec.commandLine().getOut();
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
      out.flush();
      return 0;
    } catch (ManagementException e) {
      return fail(e.status() == 404 ? 3 : 2, e.getMessage() + (e.param() == null ? "" : " (field " + e.param() + ")"));
    } catch (SQLException e) {
      return fail(1, "the key database failed (SQLState " + e.getSQLState() + ")");
    }
  }

  private KeyStore open(Map<String, String> env) throws Exception {
    try {
      return KeyStore.openUncached(database.url(env));
    } catch (RuntimeException e) { // Flyway's, naming neither the URL's password nor anything else secret
      throw new SQLException("cannot open the key database (" + e.getClass().getSimpleName() + ")", "08001", e);
    }
  }

  private int fail(int exit, String message) {
    PrintWriter err = spec.commandLine().getErr();
    err.println(spec.qualifiedName(" ").replaceFirst("^clincher ", "") + ": " + message);
    err.flush();
    return exit;
  }
}
