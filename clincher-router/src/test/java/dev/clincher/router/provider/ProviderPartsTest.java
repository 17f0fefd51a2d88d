package dev.clincher.router.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

/** The provider package's small parts: proxy selection, SSE parsing, upstream error mapping. */
class ProviderPartsTest {
  @Test
  void proxyFromEnvironmentWithNoProxyExceptions() throws Exception {
    EnvProxySelector selector = EnvProxySelector.fromEnv(Map.of("HTTPS_PROXY", "http://egress:4750",
        "http_proxy", "egress:4751", "NO_PROXY", "localhost, .internal, *.svc.local,10.0.0.5"));

    assertThat(selector.select(URI.create("https://api.openai.com/v1")).get(0).address().toString())
        .contains("egress").contains("4750");
    assertThat(selector.select(URI.create("http://ollama.example:11434")).get(0).address().toString())
        .contains("4751");
    for (String direct : List.of("http://localhost:8000", "https://vllm.internal/v1", "https://a.b.svc.local",
        "http://10.0.0.5:8000")) {
      assertThat(selector.select(URI.create(direct))).as(direct).containsExactly(Proxy.NO_PROXY);
    }
    assertThat(EnvProxySelector.fromEnv(Map.of()).select(URI.create("https://api.openai.com")))
        .containsExactly(Proxy.NO_PROXY);
    assertThat(EnvProxySelector.fromEnv(Map.of("HTTPS_PROXY", "http://e:1", "NO_PROXY", "*"))
        .select(URI.create("https://api.openai.com"))).containsExactly(Proxy.NO_PROXY);
  }

  @Test
  void proxyWithCredentialsOrTlsIsRefusedWithoutEchoingIt() {
    assertThatThrownBy(() -> EnvProxySelector.fromEnv(Map.of("HTTPS_PROXY", "http://user:hunter2@egress:4750")))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).startsWith("HTTPS_PROXY").doesNotContain("hunter2"));
    assertThatThrownBy(() -> EnvProxySelector.fromEnv(Map.of("HTTPS_PROXY", "https://egress:4750")))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void sseReaderFollowsTheFraming() throws Exception {
    String text = ": keep-alive\n\ndata: {\"a\":1}\n\nevent: error\ndata: {\"error\":{}}\n\ndata: line1\ndata: line2\n\n"
        + "data:[DONE]\n\n";
    SseReader reader = new SseReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    assertThat(reader.next()).contains(new SseReader.Event("message", "{\"a\":1}"));
    assertThat(reader.next()).contains(new SseReader.Event("error", "{\"error\":{}}"));
    assertThat(reader.next()).contains(new SseReader.Event("message", "line1\nline2"));
    assertThat(reader.next()).contains(new SseReader.Event("message", "[DONE]"));
    assertThat(reader.next()).isEmpty();

    SseReader cut = new SseReader(new ByteArrayInputStream("data: {\"partial\"".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(cut::next).isInstanceOf(IOException.class);
  }

  @Test
  void retryAfterInSecondsMillisOrDate() {
    assertThat(UpstreamErrors.retryAfter(headers(Map.of("retry-after", "2")))).contains(Duration.ofSeconds(2));
    assertThat(UpstreamErrors.retryAfter(headers(Map.of("retry-after-ms", "150", "retry-after", "9"))))
        .contains(Duration.ofMillis(150));
    assertThat(UpstreamErrors.retryAfter(headers(Map.of("retry-after", "100000")))).contains(Duration.ofMinutes(10));
    String inAMinute = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
        .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(60));
    assertThat(UpstreamErrors.retryAfter(headers(Map.of("retry-after", inAMinute))).orElseThrow())
        .isBetween(Duration.ofSeconds(55), Duration.ofSeconds(61));
    assertThat(UpstreamErrors.retryAfter(headers(Map.of("retry-after", "soon")))).isEmpty();
  }

  @Test
  void upstreamErrorsKeepOpenAiFieldsAndScrubKeys() {
    ObjectMapper json = new ObjectMapper();
    Optional<Secret> key = Optional.of(Secret.of("sk-live-abcdefghijklmnop"));
    byte[] body = "{\"error\":{\"message\":\"bad key sk-live-abcdefghijklmnop or sk-other-1234567890\",\"type\":\"invalid_request_error\",\"code\":\"x\"}}"
        .getBytes(StandardCharsets.UTF_8);
    ProviderException error = UpstreamErrors.from(400, headers(Map.of()), body, key, "d1", json);
    assertThat(error.getMessage()).doesNotContain("abcdefghijklmnop").doesNotContain("1234567890");
    assertThat(error.type()).isEqualTo("invalid_request_error");
    assertThat(error.code()).isEqualTo("x");
    assertThat(error.retryable()).isFalse();

    ProviderException notJson = UpstreamErrors.from(502, headers(Map.of()), "<html>".getBytes(), key, "d1", json);
    assertThat(notJson.getMessage()).isEqualTo("the provider answered HTTP 502");
    assertThat(notJson.retryable()).isTrue();
    assertThat(new ProviderException(501, "t", null, "m", Optional.empty()).retryable()).isFalse();
  }

  static HttpFields headers(Map<String, String> values) {
    HttpFields.Mutable fields = HttpFields.build();
    values.forEach(fields::put);
    return fields;
  }
}
