package dev.clincher.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class AllowedOriginsTest {
  final AllowedOrigins origins;

  AllowedOriginsTest() throws ConfigException {
    origins = AllowedOrigins.parse("gateway.yaml", "allowedOrigins",
        List.of("https://Chat.Example.com:443", "http://localhost:18789"), false);
  }

  boolean allows(String... values) {
    return origins.allows(List.of(values));
  }

  @Test
  void exactOriginsMatchAfterNormalising() {
    assertThat(allows("https://chat.example.com")).isTrue();
    assertThat(allows("HTTPS://CHAT.EXAMPLE.COM")).isTrue();
    assertThat(allows("https://chat.example.com:443")).isTrue();
    assertThat(allows("http://localhost:18789")).isTrue();
  }

  @Test
  void everythingElseIsRefused() {
    assertThat(allows("http://chat.example.com")).as("other scheme").isFalse();
    assertThat(allows("https://chat.example.com:8443")).as("other port").isFalse();
    assertThat(allows("https://evil.example")).isFalse();
    assertThat(allows("https://chat.example.com.evil.example")).isFalse();
    assertThat(allows("https://evil.example@chat.example.com")).isFalse();
    assertThat(allows("https://chat.example.com@evil.example")).isFalse();
    assertThat(allows("https://chat.example.com/")).isFalse();
    assertThat(allows("https://chat.example.com.")).isFalse();
    assertThat(allows(" https://chat.example.com")).isFalse();
    assertThat(allows("https://chat.example.com\u0000")).isFalse();
    assertThat(allows("https://chat.exampl\u0435.com")).as("Cyrillic e").isFalse();
    assertThat(allows("null")).isFalse();
    assertThat(allows("")).isFalse();
    assertThat(allows("http://localhost:018789")).isFalse();
    assertThat(allows("https://chat.example.com", "https://chat.example.com")).as("two headers").isFalse();
  }

  @Test
  void requestsWithoutOriginAreAllowedUnlessRequired() throws ConfigException {
    assertThat(origins.allows(List.of())).isTrue();
    AllowedOrigins strict = AllowedOrigins.parse("g", "k", List.of("https://a.example"), true);
    assertThat(strict.allows(List.of())).isFalse();
    assertThat(strict.allows(List.of("https://a.example"))).isTrue();
  }

  @Test
  void configEntriesMustBePlainOrigins() {
    for (String bad : List.of("https://*.example.com", "https://a.example/path", "a.example", "ftp://a.example",
        "https://user@a.example", "https://a.example:0")) {
      assertThatThrownBy(() -> AllowedOrigins.parse("gateway.yaml", "allowedOrigins", List.of("https://ok.example", bad),
          false))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("allowedOrigins[1]");
    }
  }

  AllowedOrigins.Check check(String origin, String own) {
    return origins.check(List.of(origin), AllowedOrigins.normalise(own));
  }

  @Test
  void theRequestsOwnOriginIsAllowedWhenItsHostIsAnAddress() {
    assertThat(check("http://127.0.0.1:18789", "http://127.0.0.1:18789").rule()).isEqualTo("same_origin");
    assertThat(check("http://[::1]:18789", "http://[::1]:18789").allowed()).isTrue();
    assertThat(check("http://localhost:4000", "http://localhost:4000").allowed()).isTrue();
    assertThat(check("http://127.0.0.1", "http://127.0.0.1:80").allowed()).as("default port").isTrue();
  }

  @Test
  void sameOriginIsNotEnoughForANameOrADifferentPortSchemeOrHost() {
    assertThat(check("http://evil.example:18789", "http://evil.example:18789").rule())
        .isEqualTo("same_origin_name_not_in_allowed_origins");
    assertThat(check("http://127.0.0.1:18790", "http://127.0.0.1:18789").allowed()).isFalse();
    assertThat(check("https://127.0.0.1:18789", "http://127.0.0.1:18789").allowed()).isFalse();
    assertThat(check("http://127.0.0.2:18789", "http://127.0.0.1:18789").allowed()).isFalse();
    assertThat(check("http://127.0.0.1.nip.io:18789", "http://127.0.0.1.nip.io:18789").allowed()).isFalse();
    assertThat(check("null", "http://127.0.0.1:18789").rule()).isEqualTo("malformed_or_null_origin");
    assertThat(origins.check(List.of("http://127.0.0.1:18789"), java.util.Optional.empty()).allowed())
        .as("own origin unknown").isFalse();
  }
}
