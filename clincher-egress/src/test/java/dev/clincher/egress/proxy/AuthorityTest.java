package dev.clincher.egress.proxy;

import dev.clincher.common.http1.BadRequestException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthorityTest {

  @Test
  void parsesNamesAndBracketedIpv6() throws Exception {
    assertThat(Authority.parse("api.openai.com:443")).isEqualTo(new Authority("api.openai.com", 443));
    assertThat(Authority.parse("[::1]:8443")).isEqualTo(new Authority("[::1]", 8443));
    assertThat(Authority.parse("[::1]:8443").hostWithoutBrackets()).isEqualTo("::1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"example.com", "example.com:", ":443", "example.com:0", "example.com:65536",
      "example.com:0443", "example.com:+443", "example.com:44 3", "example.com:443:1", "::1:443", "[::1]443",
      "[::1]", "[::1]:", "example.com:99999999999", "example.com:-1", "[::1]:443x"})
  void rejectsAnythingButHostColonPort(String text) {
    assertThatThrownBy(() -> Authority.parse(text)).isInstanceOf(BadRequestException.class);
  }

  @Test
  void comparesHostHeaders() throws Exception {
    Authority target = Authority.parse("API.example.com:443");
    assertThat(target.matchesHostHeader("api.example.com:443", -1)).isTrue();
    assertThat(target.matchesHostHeader("api.example.com", -1)).isTrue();
    assertThat(target.matchesHostHeader("api.example.com:444", -1)).isFalse();
    assertThat(target.matchesHostHeader("metadata.internal:443", -1)).isFalse();
    Authority plain = new Authority("example.com", 8080);
    assertThat(plain.matchesHostHeader("example.com", 80)).isFalse();
    assertThat(plain.matchesHostHeader("example.com:8080", 80)).isTrue();
  }
}
