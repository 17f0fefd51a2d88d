package dev.clincher.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.Secret;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Asks another service one bounded question ({@code GET}, 3 s, 256 KiB of answer at most) and keeps its JSON
 * answer, or a one-line reason when there is none. Never follows redirects, never uses a proxy.
 */
final class ServiceProbe {
  static final Duration TIMEOUT = Duration.ofSeconds(3);
  static final int MAX_BYTES = 256 * 1024;

  /** The status (0 when unreachable) and the JSON body (or a text node with the reason). */
  record Answer(int status, JsonNode body) {}

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
      .followRedirects(HttpClient.Redirect.NEVER).proxy(HttpClient.Builder.NO_PROXY).build();
  private final ObjectMapper json;

  ServiceProbe(ObjectMapper json) {
    this.json = json;
  }

  Answer get(URI uri, Optional<Secret> bearer) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET();
    bearer.ifPresent(key -> request.header("Authorization", "Bearer " + key.reveal()));
    try {
      HttpResponse<java.io.InputStream> response = http.send(request.build(),
          HttpResponse.BodyHandlers.ofInputStream());
      byte[] bytes;
      try (java.io.InputStream in = response.body()) {
        bytes = in.readNBytes(MAX_BYTES + 1);
      }
      if (bytes.length > MAX_BYTES) {
        return new Answer(response.statusCode(), json.getNodeFactory().textNode("answer too large"));
      }
      return new Answer(response.statusCode(), parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)));
    } catch (IOException e) {
      return new Answer(0, json.getNodeFactory().textNode("unreachable (" + e.getClass().getSimpleName() + ")"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(0, json.getNodeFactory().textNode("interrupted"));
    }
  }

  JsonNode parse(String text) {
    try {
      return json.readTree(text);
    } catch (IOException e) {
      return json.getNodeFactory().textNode(text.length() > 200 ? text.substring(0, 200) : text);
    }
  }
}
