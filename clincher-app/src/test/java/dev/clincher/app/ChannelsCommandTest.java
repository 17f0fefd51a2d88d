package dev.clincher.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code clincher channels} against a stand-in for the gateway's channel routes. */
class ChannelsCommandTest {
  static final String TOKEN = "operator-token-5b7c9d1e3f";

  @TempDir
  Path directory;
  HttpServer server;
  final List<String> seen = new CopyOnWriteArrayList<>();
  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/channels/telegram/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
          + exchange.getRequestHeaders().getFirst("Authorization") + " " + body);
      boolean known = exchange.getRequestMethod().equals("GET") || body.contains("ABCD2345")
          || body.contains("\"7\"");
      byte[] answer = (known ? "{\"approved\":true,\"sender\":\"7\"}"
          : "{\"error\":{\"type\":\"unknown_code\",\"message\":\"no pending pairing with that code\"}}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(known ? 200 : 404, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  int run(CommandLine.IFactory factory, String... args) {
    CommandLine cli = new CommandLine(new ChannelsCommand(), factory);
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  CommandLine.IFactory withEnv(Map<String, String> env) {
    return new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> type) throws Exception {
        if (type == ChannelsCommand.Approve.class) {
          return type.cast(new ChannelsCommand.Approve(env));
        }
        if (type == ChannelsCommand.Revoke.class) {
          return type.cast(new ChannelsCommand.Revoke(env));
        }
        if (type == ChannelsCommand.ListSenders.class) {
          return type.cast(new ChannelsCommand.ListSenders(env));
        }
        if (type == ChannelsCommand.Status.class) {
          return type.cast(new ChannelsCommand.Status(env));
        }
        return CommandLine.defaultFactory().create(type);
      }
    };
  }

  Map<String, String> env() throws Exception {
    Path token = Files.writeString(directory.resolve("gateway-token"), TOKEN);
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    return Map.of(ChannelsCommand.URL_VARIABLE, "http://127.0.0.1:" + server.getAddress().getPort(),
        ChannelsCommand.TOKEN_VARIABLE, token.toString());
  }

  @Test
  void approvePostsTheCodeWithTheOperatorTokenFromItsFile() throws Exception {
    assertThat(run(withEnv(env()), "approve", "ABCD2345")).isEqualTo(0);
    assertThat(seen).containsExactly("POST /v1/channels/telegram/approve Bearer " + TOKEN
        + " {\"code\":\"ABCD2345\"}");
    assertThat(out.toString()).contains("\"sender\" : \"7\"");
  }

  @Test
  void anUnknownCodeIsABadInputWithTheGatewaysReason() throws Exception {
    assertThat(run(withEnv(env()), "approve", "ZZZZ9999")).isEqualTo(2);
    assertThat(err.toString()).contains("no pending pairing with that code (HTTP 404)");
  }

  @Test
  void statusGetsTheStatusAndWithoutATokenNothingIsCalled() throws Exception {
    assertThat(run(withEnv(env()), "status")).isEqualTo(0);
    assertThat(seen).singleElement().asString().startsWith("GET /v1/channels/telegram/status Bearer ");

    assertThat(run(withEnv(Map.of()), "status")).isEqualTo(2);
    assertThat(err.toString()).contains("--token-file FILE or $CLINCHER_GATEWAY_TOKEN_FILE");
    assertThat(seen).hasSize(1);
  }

  @Test
  void revokePostsTheUserIdAndListGetsTheSenders() throws Exception {
    assertThat(run(withEnv(env()), "revoke", "7")).isEqualTo(0);
    assertThat(run(withEnv(env()), "list")).isEqualTo(0);
    assertThat(seen).containsExactly(
        "POST /v1/channels/telegram/revoke Bearer " + TOKEN + " {\"user_id\":\"7\"}",
        "GET /v1/channels/telegram/senders Bearer " + TOKEN + " ");
  }

  @Test
  void revokingAnUnknownUserIsABadInput() throws Exception {
    assertThat(run(withEnv(env()), "revoke", "8")).isEqualTo(2);
    assertThat(seen).singleElement().asString().contains("{\"user_id\":\"8\"}");
  }
}
