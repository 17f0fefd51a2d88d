package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.config.Secret;
import dev.clincher.common.http.JettyServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The webhook on a real Jetty server, posted to as Telegram does. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class WebhookHandlerTest {
  static final String SECRET = "s3cr3t-Token_for-the-webhook";
  static final int MAX_BODY = 4096;

  final List<Update> received = new CopyOnWriteArrayList<>();
  final HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
  Server server;
  URI endpoint;

  @BeforeAll
  void start() throws Exception {
    WebhookHandler handler = new WebhookHandler(Secret.of(SECRET), MAX_BODY, new RecentUpdateIds(1000),
        received::add, FakeBotApi.JSON);
    server = JettyServers.start(JettyServers.Options.defaults("127.0.0.1", 0), handler);
    endpoint = URI.create("http://127.0.0.1:" + JettyServers.port(server) + "/telegram/webhook");
  }

  @AfterAll
  void stop() throws Exception {
    server.stop();
    client.close();
  }

  @BeforeEach
  void clear() {
    received.clear();
  }

  static String update(long id, String text) {
    return "{\"update_id\":" + id + ",\"message\":{\"message_id\":1,\"date\":0,\"text\":\"" + text + "\","
        + "\"from\":{\"id\":7,\"is_bot\":false,\"first_name\":\"U\"},\"chat\":{\"id\":7,\"type\":\"private\"}}}";
  }

  HttpResponse<String> post(String secret, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (secret != null) {
      request.header(WebhookHandler.SECRET_HEADER, secret);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anUpdateWithTheSecretIsHandedOn() throws Exception {
    HttpResponse<String> response = post(SECRET, update(1, "hello"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(received).singleElement().satisfies(update -> {
      assertThat(update.updateId()).isEqualTo(1);
      assertThat(update.message().orElseThrow().text()).isEqualTo("hello");
    });
  }

  @Test
  void aWrongMissingOrDifferentLengthSecretIsRefused() throws Exception {
    for (String wrong : new String[] {null, "", "wrong", SECRET.substring(0, SECRET.length() - 1),
        SECRET + "x", SECRET.toUpperCase(), SECRET.repeat(300)}) {
      HttpResponse<String> response = post(wrong, update(2, "let me in"));
      assertThat(response.statusCode()).as("secret %s", wrong).isEqualTo(401);
      assertThat(response.body()).doesNotContain(SECRET);
    }
    assertThat(received).isEmpty();
  }

  @Test
  void anOversizedBodyIsRefusedUnread() throws Exception {
    HttpResponse<String> response = post(SECRET, update(3, "x".repeat(MAX_BODY)));
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(received).isEmpty();
  }

  @Test
  void aRepeatedUpdateIdIsAcknowledgedButHandedOnOnce() throws Exception {
    assertThat(post(SECRET, update(10, "once")).statusCode()).isEqualTo(200);
    assertThat(post(SECRET, update(10, "once")).statusCode()).isEqualTo(200);
    assertThat(post(SECRET, update(10, "changed, same id")).statusCode()).isEqualTo(200);
    assertThat(received).hasSize(1);
  }

  @Test
  void malformedBodiesAndOtherMethodsAreRefused() throws Exception {
    assertThat(post(SECRET, "not json").statusCode()).isEqualTo(400);
    assertThat(post(SECRET, "[1,2]").statusCode()).isEqualTo(400);
    assertThat(post(SECRET, "{\"message\":{}}").statusCode()).isEqualTo(400);
    HttpResponse<String> get = client.send(HttpRequest.newBuilder(endpoint)
        .header(WebhookHandler.SECRET_HEADER, SECRET).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(received).isEmpty();
  }

  @Test
  void recentIdsStayBoundedAndOldIdsCountAsSeen() {
    RecentUpdateIds ids = new RecentUpdateIds(3);
    assertThat(ids.firstSeen(5)).isTrue();
    assertThat(ids.firstSeen(6)).isTrue();
    assertThat(ids.firstSeen(4)).isTrue();
    assertThat(ids.firstSeen(5)).isFalse();
    assertThat(ids.firstSeen(7)).isTrue(); // 4 falls out
    assertThat(ids.firstSeen(4)).as("below the window: a replay").isFalse();
    assertThat(ids.firstSeen(3)).isFalse();
    assertThat(ids.firstSeen(100)).isTrue();
  }
}
