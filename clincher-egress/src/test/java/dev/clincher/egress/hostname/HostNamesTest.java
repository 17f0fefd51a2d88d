package dev.clincher.egress.hostname;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostNamesTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', textBlock = """
      ::                                      | ::
      ::1                                     | ::1
      1::                                     | 1::
      2001:DB8::1                             | 2001:db8::1
      2001:0db8:0000:0000:0000:0000:0000:0001 | 2001:db8::1
      2001:db8:0:0:1:0:0:1                    | 2001:db8::1:0:0:1
      2001:db8:0:1:0:0:0:1                    | 2001:db8:0:1::1
      2001:db8:1:2:3:4:5:6                    | 2001:db8:1:2:3:4:5:6
      2001:db8:0:1:2:3:4:5                    | 2001:db8:0:1:2:3:4:5
      ::ffff:192.0.2.1                        | 192.0.2.1
      ::ffff:c000:201                         | 192.0.2.1
      ::192.0.2.1                             | ::c000:201
      64:ff9b::192.0.2.1                      | 64:ff9b::c000:201
      fe80:0:0:0:0:0:0:1                      | fe80::1
      """)
  void canonicalisesIpv6LikeGo(String text, String canonical) {
    assertThat(HostNames.canonicalIpv6(text)).isEqualTo(canonical);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", ":", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", "fe80::1%eth0",
      "::ffff:192.0.2.01", "::ffff:192.0.2", "::ffff:256.0.0.1", "1.2.3.4::", "::1:", ":1::"})
  void rejectsMalformedIpv6(String text) {
    assertThat(HostNames.canonicalIpv6(text)).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
      Example.COM.      | example.com
      api.openai.com    | api.openai.com
      bücher.example    | xn--bcher-kva.example
      _srv.example.com  | _srv.example.com
      [::1]             | ::1
      ::FFFF:127.0.0.1  | 127.0.0.1
      127.0.0.1         | 127.0.0.1
      ''                | NULL
      .                 | NULL
      'a b.example'     | NULL
      evil.com/x        | NULL
      [example.com]     | NULL
      """)
  void normalisesHosts(String host, String expected) {
    assertThat(HostNames.normalize(host)).isEqualTo(expected);
  }
}
