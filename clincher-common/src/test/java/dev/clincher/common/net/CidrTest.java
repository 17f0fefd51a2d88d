package dev.clincher.common.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CidrTest {

  @ParameterizedTest
  @CsvSource({
      "10.0.0.0/8, 10.0.0.0/8, true",
      "0.0.0.0/0, 0.0.0.0/0, true",
      "192.0.2.1/32, 192.0.2.1/32, true",
      "2001:DB8::/32, 2001:db8::/32, false",
      "2001:0db8:0000::/48, 2001:db8::/48, false",
      "::/0, ::/0, false",
      "::1/128, ::1/128, false",
      "::ffff:0:0/96, ::ffff:0.0.0.0/96, false",
  })
  void parsesAndPrintsCanonically(String text, String canonical, boolean ipv4) {
    Cidr cidr = Cidr.parse(text);
    assertThat(cidr).hasToString(canonical);
    assertThat(cidr.isIpv4()).isEqualTo(ipv4);
    assertThat(Cidr.parse(canonical)).isEqualTo(cidr);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "10.0.0.0|missing '/prefix'",
      "10.0.0.1/8|host bits set in 10.0.0.1/8; did you mean 10.0.0.0/8?",
      "2001:db8::1/32|did you mean 2001:db8::/32?",
      "010.0.0.0/8|canonical dotted quad",
      "10.0/8|canonical dotted quad",
      "167772160/8|canonical dotted quad",
      "0x0a.0.0.0/8|canonical dotted quad",
      "10.0.0.0/33|out of range 0..32",
      "::/129|out of range 0..128",
      "10.0.0.0/08|without sign or leading zeros",
      "10.0.0.0/+8|without sign or leading zeros",
      "10.0.0.0/-1|without sign or leading zeros",
      "10.0.0.0/|without sign or leading zeros",
      "10.0.0.0/8/8|without sign or leading zeros",
      "10.0.0.0/ 8|without sign or leading zeros",
      "fe80::%eth0/64|zone ids",
      "fe80::%25eth0/64|zone ids",
      "[::1]/128|not a valid IPv6 address",
      "1::2::3/64|not a valid IPv6 address",
      "/8|canonical dotted quad",
      "localhost/8|canonical dotted quad",
  })
  void rejectsWithAClearMessage(String text, String messagePart) {
    assertThatThrownBy(() -> Cidr.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text)
        .hasMessageContaining(messagePart);
  }

  @Test
  void containsChecksTheFirstPrefixBitsOnly() {
    Cidr block = Cidr.parse("172.16.0.0/12");
    assertThat(block.contains(ip("172.16.0.0"))).isTrue();
    assertThat(block.contains(ip("172.31.255.255"))).isTrue();
    assertThat(block.contains(ip("172.32.0.0"))).isFalse();
    assertThat(block.contains(ip("172.15.255.255"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").contains(ip("255.255.255.255"))).isTrue();
    assertThat(Cidr.parse("fe80::/10").contains(ip("febf:ffff::1"))).isTrue();
    assertThat(Cidr.parse("fe80::/10").contains(ip("fec0::1"))).isFalse();
  }

  @Test
  void matchesSameFamilyOnly() {
    assertThat(Cidr.parse("::/0").contains(ip("127.0.0.1"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0").contains(ip("::1"))).isFalse();
    assertThat(Cidr.parse("127.0.0.0/8").contains(ip("::ffff:127.0.0.1"))).isFalse();
    assertThat(Cidr.parse("::ffff:0:0/96").contains(ip("::ffff:127.0.0.1"))).isTrue();
  }

  @Test
  void hostBlockHasFullPrefix() {
    assertThat(Cidr.host(ip("192.0.2.7"))).hasToString("192.0.2.7/32");
    assertThat(Cidr.host(ip("2001:db8::7"))).hasToString("2001:db8::7/128");
    assertThat(Cidr.host(ip("2001:db8::7")).prefixLength()).isEqualTo(128);
  }

  @Test
  void constructorValidatesToo() {
    assertThatThrownBy(() -> new Cidr(ip("10.0.0.1"), 8)).hasMessageContaining("host bits");
    assertThatThrownBy(() -> new Cidr(ip("10.0.0.0"), 33)).hasMessageContaining("out of range");
    assertThatThrownBy(() -> new Cidr(ip("10.0.0.0"), -1)).hasMessageContaining("out of range");
  }

  private static InetAddress ip(String text) {
    return IpLiterals.parse(text).orElseThrow();
  }
}
