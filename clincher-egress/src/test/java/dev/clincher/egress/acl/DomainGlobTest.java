package dev.clincher.egress.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DomainGlobTest {

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', textBlock = """
      ''                    | glob cannot be empty
      *                     | must not match everything
      *.                    | must not match everything
      *example.com          | must represent a full prefix (sub)domain
      **.example.com        | must represent a full prefix (sub)domain
      *-api.example.com     | must represent a full prefix (sub)domain
      foo.*.example.com     | only supported as prefix
      *.*.example.com       | only supported as prefix
      api*.example.com      | only supported as prefix
      example.com*          | only supported as prefix
      example.*             | only supported as prefix
      Example.com           | use "example.com"
      *.API.Example.COM     | use "*.api.example.com"
      éxämple.com           | use "xn--xmple-gra7a.com"
      *.bücher.example      | use "*.xn--bcher-kva.example"
      _dmarc.example.com    | only a-z, 0-9
      exa_mple.com          | only a-z, 0-9
      'example.com '        | only a-z, 0-9
      https://example.com   | without scheme or port
      example.com:443       | without scheme or port
      example.com/path      | only a-z, 0-9
      -example.com          | must not start or end with
      example-.com          | must not start or end with
      ab--cd.example.com    | in positions 3 and 4
      example..com          | empty label
      .example.com          | empty label
      example.com..         | empty label
      *..example.com        | empty label
      .                     | glob cannot be empty
      [2001:db8::1]         | use "2001:db8::1"
      2001:DB8::1           | use "2001:db8::1"
      2001:db8:0:0:0:0:0:1  | use "2001:db8::1"
      ::ffff:192.0.2.1      | use "192.0.2.1"
      *.2001:db8::1         | a wildcard cannot prefix an IP address
      2001:db8::1::2        | not a domain name or IPv6 address
      """)
  void rejectsInvalidGlobs(String glob, String reason) {
    assertThatThrownBy(() -> DomainGlob.parse(glob))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void rejectsNull() {
    assertThatThrownBy(() -> DomainGlob.parse(null)).hasMessageContaining("empty");
  }

  @Test
  void rejectsOverlongLabelsAndNames() {
    String label64 = "a".repeat(64);
    assertThatThrownBy(() -> DomainGlob.parse(label64 + ".com")).hasMessageContaining("longer than 63");
    String name254 = ("a".repeat(62) + ".").repeat(4) + "ab";
    assertThat(name254).hasSize(254);
    assertThatThrownBy(() -> DomainGlob.parse(name254)).hasMessageContaining("longer than 253");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "example.com", "*.example.com", "*.com", "a", "x.ai", "*.x.ai", "integrate.api.nvidia.com",
      "xn--xmple-gra7a.com", "*.xn--bcher-kva.example", "3com.example", "203.0.113.7", "2001:db8::1", "::1",
      "a-b.example", "xn--ab--cd.example"})
  void acceptsValidGlobs(String glob) {
    assertThat(DomainGlob.parse(glob).toString()).isEqualTo(glob);
  }

  @Test
  void acceptsAndDropsOneTrailingDot() {
    assertThat(DomainGlob.parse("example.com.")).isEqualTo(new DomainGlob("example.com", false));
    assertThat(DomainGlob.parse("*.example.com.")).isEqualTo(new DomainGlob("example.com", true));
  }

  @Test
  void constructorRefusesWhatParseRefuses() {
    assertThatThrownBy(() -> new DomainGlob("Example.com", false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DomainGlob("", true)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DomainGlob("2001:db8::1", true)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0} ~ {1} -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
      example.com       | example.com                  | true
      example.com       | www.example.com              | false
      example.com       | notexample.com               | false
      *.example.com     | api.example.com              | true
      *.example.com     | a.b.c.example.com            | true
      *.example.com     | example.com                  | false
      *.example.com     | notexample.com               | false
      *.example.com     | api.example.com.evil.test    | false
      *.example.com     | .example.com                 | false
      *.anthropic.com   | api.anthropic.com            | true
      *.anthropic.com   | anthropic.com                | false
      example.com       | EXAMPLE.COM                  | true
      *.example.com     | Api.Example.Com              | true
      example.com       | example.com.                 | true
      example.com       | example.com..                | false
      xn--xmple-gra7a.com | éxämple.com                | true
      xn--xmple-gra7a.com | ÉXÄMPLE.COM                | true
      203.0.113.7       | 203.0.113.7                  | true
      203.0.113.7       | 203.0.113.70                 | false
      2001:db8::1       | 2001:DB8:0:0:0:0:0:1         | true
      2001:db8::1       | [2001:db8::1]                | true
      192.0.2.1         | ::ffff:192.0.2.1             | true
      example.com       | ''                           | false
      """)
  void matchesLikeSmokescreen(String glob, String host, boolean expected) {
    assertThat(DomainGlob.parse(glob).matches(host)).isEqualTo(expected);
  }

  @Test
  void nullHostNeverMatches() {
    assertThat(DomainGlob.parse("example.com").matches(null)).isFalse();
  }
}
