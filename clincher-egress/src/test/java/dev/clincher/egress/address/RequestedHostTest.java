package dev.clincher.egress.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.net.IpLiterals;
import dev.clincher.egress.address.RequestedHost.DomainName;
import dev.clincher.egress.address.RequestedHost.IpLiteral;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestedHostTest {

  @ParameterizedTest
  @CsvSource({
      "api.openai.com, api.openai.com",
      "API.OpenAI.com., api.openai.com",
      "localhost, localhost",
      "xn--bcher-kva.example, xn--bcher-kva.example",
      "_dmarc.example.com, _dmarc.example.com",
      "a_b.example, a_b.example",
      "1.2.3.example, 1.2.3.example",
      "0x7f.example, 0x7f.example",
      "1e100, 1e100",
      "deadbeef, deadbeef",
      "127.0.0.1.nip.io, 127.0.0.1.nip.io",
      "a-b.c--d.example, a-b.c--d.example",
  })
  void acceptsDomainNames(String host, String name) throws Exception {
    assertThat(RequestedHost.parse(host)).isEqualTo(new DomainName(name));
    assertThat(RequestedHost.parse(host).text()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", ".", "..", ".example.com", "example..com", "example.com..", "-a.example", "a-.example",
      "exa mple.com", "example.com/", "user@example.com", "example.com:443", "exa\u0000mple.com",
      "example.com\r\nX-Injected: 1", "bücher.example", "ｅｘａｍｐｌｅ.com", "example.com\u3002",
      "a]b", "a[b", "*.example.com", "exa%2emple.com", "a.b\\c",
  })
  void rejectsInvalidNamesAsInvalidHost(String host) {
    assertThatThrownBy(() -> RequestedHost.parse(host))
        .isInstanceOf(InvalidHostException.class)
        .extracting(e -> ((InvalidHostException) e).reason())
        .isIn(InvalidHostException.INVALID_HOST, InvalidHostException.INVALID_IP_LITERAL);
  }

  @Test
  void enforcesLabelAndNameLengths() throws Exception {
    String label63 = "a".repeat(63);
    assertThat(RequestedHost.parse(label63 + ".example")).isInstanceOf(DomainName.class);
    assertThatThrownBy(() -> RequestedHost.parse("a".repeat(64) + ".example")).isInstanceOf(InvalidHostException.class);
    String name253 = String.join(".", label63, label63, label63, "a".repeat(61));
    assertThat(name253).hasSize(253);
    assertThat(RequestedHost.parse(name253)).isInstanceOf(DomainName.class);
    assertThat(RequestedHost.parse(name253 + ".")).isInstanceOf(DomainName.class);
    assertThatThrownBy(() -> RequestedHost.parse(name253 + "a")).isInstanceOf(InvalidHostException.class);
    assertThatThrownBy(() -> RequestedHost.parse("a.".repeat(5000))).isInstanceOf(InvalidHostException.class);
  }

  /** Every non-canonical numeric spelling is refused, and the message says where it would have led. */
  @ParameterizedTest
  @CsvSource({
      "2130706433, 127.0.0.1",
      "0x7f.1, 127.0.0.1",
      "127.1, 127.0.0.1",
      "127.0.1, 127.0.0.1",
      "017.0.0.1, 15.0.0.1",
      "0177.0.0.1, 127.0.0.1",
      "127.0.0.1., 127.0.0.1",
      "0x7f000001, 127.0.0.1",
      "0X7F000001, 127.0.0.1",
      "127.000.000.001, 127.0.0.1",
      "0x7f.0x0.0x0.0x1, 127.0.0.1",
      "0xa9fea9fe, 169.254.169.254",
      "2852039166, 169.254.169.254",
      "169.254.43518, 169.254.169.254",
      "0251.0376.0251.0376, 169.254.169.254",
      "0, 0.0.0.0",
      "0x, 0.0.0.0",
      "10.0.0.010, 10.0.0.8",
      "4294967295, 255.255.255.255",
      "00000000000000000000000000000177.1, 127.0.0.1",
  })
  void refusesNumericSpellingsNamingTheirInetAtonMeaning(String host, String meaning) {
    assertThatThrownBy(() -> RequestedHost.parse(host))
        .isInstanceOf(InvalidHostException.class)
        .hasMessageContaining("read it as " + meaning)
        .extracting(e -> ((InvalidHostException) e).reason())
        .isEqualTo(InvalidHostException.AMBIGUOUS_NUMERIC_HOST);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "4294967296", "256.0.0.1", "1.2.3.4.5", "08.0.0.1", "0x1g.1", "foo.123", "example.0x10", "1.2.3.0x",
      "127.0.0.1.1", "99999999999999999999999", "1..1", "a.1.", "0.0.0.0.0"})
  void refusesNumericEndingHostsEvenWhenInvalidAsIpv4(String host) {
    assertThatThrownBy(() -> RequestedHost.parse(host))
        .isInstanceOf(InvalidHostException.class)
        .extracting(e -> ((InvalidHostException) e).reason())
        .isIn(InvalidHostException.AMBIGUOUS_NUMERIC_HOST, InvalidHostException.INVALID_HOST);
  }

  @ParameterizedTest
  @CsvSource({
      "127.0.0.1, 127.0.0.1",
      "8.8.8.8, 8.8.8.8",
      "0.0.0.0, 0.0.0.0",
      "[::1], ::1",
      "::1, ::1",
      "[::ffff:127.0.0.1], ::ffff:127.0.0.1",
      "[::ffff:7f00:1], ::ffff:127.0.0.1",
      "[0:0:0:0:0:ffff:169.254.169.254], ::ffff:169.254.169.254",
      "[64:ff9b::a9fe:a9fe], 64:ff9b::a9fe:a9fe",
      "[2002:7f00:1::], 2002:7f00:1::",
      "[2001:DB8::0001], 2001:db8::1",
      "[0000:0000:0000:0000:0000:0000:0000:0001], ::1",
      "[FE80::1], fe80::1",
  })
  void parsesCanonicalIpLiterals(String host, String canonical) throws Exception {
    RequestedHost parsed = RequestedHost.parse(host);
    assertThat(parsed).isInstanceOf(IpLiteral.class);
    assertThat(parsed.text()).isEqualTo(canonical);
    assertThat(IpLiterals.format(((IpLiteral) parsed).address())).isEqualTo(canonical);
  }

  @ParameterizedTest
  @CsvSource({
      "[fe80::1%25eth0], ipv6_zone_id",
      "[fe80::1%eth0], ipv6_zone_id",
      "fe80::1%eth0, ipv6_zone_id",
      "[127.0.0.1], invalid_ip_literal",
      "[example.com], invalid_ip_literal",
      "[::1, invalid_ip_literal",
      "[], invalid_ip_literal",
      "[[::1]], invalid_ip_literal",
      "[::1]:443, invalid_ip_literal",
      "::1]:443, invalid_ip_literal",
      "1::2::3, invalid_ip_literal",
      "[::ffff:127.1], invalid_ip_literal",
      "[::ffff:0177.0.0.1], invalid_ip_literal",
      "[::00001], invalid_ip_literal",
      "example.com:443, invalid_ip_literal",
      "::1], invalid_ip_literal",
      "::1], invalid_ip_literal",
  })
  void refusesBadIpv6Literals(String host, String reason) {
    assertThatThrownBy(() -> RequestedHost.parse(host))
        .isInstanceOf(InvalidHostException.class)
        .extracting(e -> ((InvalidHostException) e).reason())
        .isEqualTo(reason);
  }

  @Test
  void domainNameConstructorCannotBeTrickedIntoANumericName() {
    assertThatThrownBy(() -> new DomainName("127.1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DomainName("127.0.0.1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DomainName("a b")).isInstanceOf(IllegalArgumentException.class);
    assertThat(new DomainName("Example.COM.").name()).isEqualTo("example.com");
  }

  @Test
  void messagesEscapeControlCharactersAndTruncate() {
    assertThatThrownBy(() -> RequestedHost.parse("a\r\nb"))
        .hasMessageContaining("\"a\\u000d\\u000ab\"")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> RequestedHost.parse("x".repeat(300))).hasMessageContaining("(300 chars)");
  }
}
