package dev.clincher.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secrets;
import dev.clincher.common.json.JsonMappers;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clincher channels approve CODE|revoke USER_ID|list|status}: the gateway's channel routes ({@code /v1/channels/telegram/…})
 * called with the operator token, read from its file (never from the command line). Prints the answer as JSON.
 * Exit codes: 0 done, 2 bad input (no token file, a code the gateway does not know), 1 the gateway failed or is
 * unreachable.
 */
@Command(name = "channels", mixinStandardHelpOptions = true,
    description = "Operate the gateway's chat channels (Telegram): approve a pairing code, revoke or list the "
        + "paired users, show the status.",
    subcommands = {ChannelsCommand.Approve.class, ChannelsCommand.Revoke.class, ChannelsCommand.ListSenders.class,
        ChannelsCommand.Status.class})
public final class ChannelsCommand implements Runnable {
  static final String URL_VARIABLE = "CLINCHER_GATEWAY_URL";
  static final String TOKEN_VARIABLE = "CLINCHER_GATEWAY_TOKEN_FILE";
  private static final ObjectMapper JSON = JsonMappers.newMapper();

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** What every subcommand shares: where the gateway is, the token file, the call and its printing. */
  abstract static class GatewayCall implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--gateway", paramLabel = "URL",
        description = "The gateway's base URL (default: $" + URL_VARIABLE + ", else http://127.0.0.1:18789).")
    String gateway;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "The operator token's file, mode 0600 (default: $" + TOKEN_VARIABLE + ").")
    Path tokenFile;

    final Map<String, String> env;

    GatewayCall(Map<String, String> env) {
      this.env = env;
    }

    /** A POST of {@code {"field":"value"}} to {@code /v1/channels/telegram/<route>}. */
    static HttpRequest.Builder postField(URI base, String route, String field, String value) {
      String body = JSON.createObjectNode().put(field, value).toString();
      return HttpRequest.newBuilder(base.resolve("/v1/channels/telegram/" + route))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }

    /** The request to make, to a path under the gateway. */
    abstract HttpRequest.Builder request(URI base);

    @Override
    public Integer call() {
      String token;
      try {
        token = Secrets.readSecretFile(tokenFile());
      } catch (ConfigException | IllegalArgumentException e) {
        return fail(2, e.getMessage());
      }
      URI base = URI.create(gateway != null ? gateway : env.getOrDefault(URL_VARIABLE, "http://127.0.0.1:18789"));
      try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
        HttpResponse<String> response = client.send(request(base).timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        return print(response);
      } catch (IOException e) {
        return fail(1, "the gateway at " + base + " did not answer (" + e.getClass().getSimpleName() + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return fail(1, "interrupted");
      }
    }

    private Path tokenFile() {
      if (tokenFile != null) {
        return tokenFile;
      }
      String file = env.getOrDefault(TOKEN_VARIABLE, "");
      if (file.isBlank()) {
        throw new IllegalArgumentException("the operator token is needed: --token-file FILE or $" + TOKEN_VARIABLE);
      }
      return Path.of(file);
    }

    private int print(HttpResponse<String> response) throws IOException {
      JsonNode body = JSON.readTree(response.body().isBlank() ? "{}" : response.body());
      if (response.statusCode() == 200) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
        out.flush();
        return 0;
      }
      String message = body.path("error").path("message").asText("HTTP " + response.statusCode());
      return fail(response.statusCode() / 100 == 4 ? 2 : 1, message + " (HTTP " + response.statusCode() + ")");
    }

    private int fail(int exit, String message) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(spec.qualifiedName(" ").replaceFirst("^clincher ", "") + ": " + message);
      err.flush();
      return exit;
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = "Let the Telegram user who got this pairing code talk to the agent.")
  static final class Approve extends GatewayCall {
    @Parameters(paramLabel = "CODE", description = "The pairing code the bot sent to the user.")
    String code;

    Approve() {
      this(System.getenv());
    }

    Approve(Map<String, String> env) {
      super(env);
    }

    @Override
    HttpRequest.Builder request(URI base) {
      return postField(base, "approve", "code", code);
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Whether the Telegram bot runs, its mode, agent, access rule and paired users.")
  static final class Status extends GatewayCall {
    Status() {
      this(System.getenv());
    }

    Status(Map<String, String> env) {
      super(env);
    }

    @Override
    HttpRequest.Builder request(URI base) {
      return HttpRequest.newBuilder(base.resolve("/v1/channels/telegram/status")).GET();
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke a paired Telegram user: their next message gets a pairing code again.")
  static final class Revoke extends GatewayCall {
    @Parameters(paramLabel = "USER_ID", description = "The Telegram user id (clincher channels list shows them).")
    String userId;

    Revoke() {
      this(System.getenv());
    }

    Revoke(Map<String, String> env) {
      super(env);
    }

    @Override
    HttpRequest.Builder request(URI base) {
      return postField(base, "revoke", "user_id", userId);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "The paired Telegram users (with when they were approved), allow_from, and how many pairing "
          + "codes wait for approval.")
  static final class ListSenders extends GatewayCall {
    ListSenders() {
      this(System.getenv());
    }

    ListSenders(Map<String, String> env) {
      super(env);
    }

    @Override
    HttpRequest.Builder request(URI base) {
      return HttpRequest.newBuilder(base.resolve("/v1/channels/telegram/senders")).GET();
    }
  }
}
