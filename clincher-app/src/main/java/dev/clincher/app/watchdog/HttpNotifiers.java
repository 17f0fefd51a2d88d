package dev.clincher.app.watchdog;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.json.JsonMappers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * ntfy (a POST of the text to the topic URL) and Telegram ({@code sendMessage} to a chat id). The Telegram token is in
 * the request path only, as the Bot API requires; it is never logged and is cut out of every error message.
 */
final class HttpNotifiers {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = JsonMappers.newMapper();

  private HttpNotifiers() {}

  static Notifier ntfy(URI topic, String bearerToken, Map<String, String> env) {
    HttpClient client = client(env);
    return new Notifier() {
      @Override
      public String name() {
        return "ntfy";
      }

      @Override
      public void send(String title, String text) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(topic).timeout(TIMEOUT).header("Title", title)
            .POST(HttpRequest.BodyPublishers.ofString(text));
        if (bearerToken != null) {
          request.header("Authorization", "Bearer " + bearerToken);
        }
        expectOk(client, request.build(), "ntfy", bearerToken);
      }
    };
  }

  static Notifier telegram(URI api, String token, String chatId, Map<String, String> env) {
    HttpClient client = client(env);
    return new Notifier() {
      @Override
      public String name() {
        return "telegram";
      }

      @Override
      public void send(String title, String text) throws IOException {
        String body = JSON.writeValueAsString(Map.of("chat_id", chatId, "text", title + "\n" + text));
        HttpRequest request = HttpRequest.newBuilder(api.resolve("/bot" + token + "/sendMessage")).timeout(TIMEOUT)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        expectOk(client, request, "telegram sendMessage", token);
      }
    };
  }

  /** Through {@code HTTPS_PROXY} (or {@code https_proxy}) when set, as every Clincher client does. */
  static HttpClient client(Map<String, String> env) {
    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(TIMEOUT);
    String proxy = env.getOrDefault("HTTPS_PROXY", env.get("https_proxy"));
    if (proxy != null && !proxy.isBlank()) {
      URI uri = URI.create(proxy.contains("://") ? proxy : "http://" + proxy);
      builder.proxy(ProxySelector.of(new InetSocketAddress(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort())));
    }
    return builder.build();
  }

  private static void expectOk(HttpClient client, HttpRequest request, String what, String secret)
      throws IOException {
    try {
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() / 100 != 2) {
        throw new IOException(what + " answered HTTP " + response.statusCode());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(what + " interrupted", e);
    } catch (IOException e) {
      String message = what + " failed: " + e.getClass().getSimpleName() + " " + e.getMessage();
      throw new IOException(secret == null ? message : message.replace(secret, "<token>"));
    }
  }
}
