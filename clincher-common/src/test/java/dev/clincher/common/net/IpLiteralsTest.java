package dev.clincher.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralsTest {

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "127.0.0.1", "255.255.255.255", "10.20.30.40", "1.2.3.4", "100.0.9.99"})
  void acceptsCanonicalDottedQuads(String text) {
    InetAddress address = IpLiterals.parseIpv4Canonical(text).orElseThrow();
    assertThat(address).isInstanceOf(Inet4Address.class);
    assertThat(IpLiterals.format(address)).isEqualTo(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "127.1", "127.0.1", "2130706433", "0x7f.0.0.1", "0X7F.0.0.1", "017.0.0.1", "0177.0.0.1",
      "127.000.000.001", "127.0.0.01", "127.0.0.1.", ".127.0.0.1", "127..0.1", "256.0.0.1", "1.2.3.4.5",
      "1.2.3.-4", "+1.2.3.4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n", "1.2.3.4/8", "1.2.3.0x4", "1e3.0.0.1",
      "١.٢.٣.٤", "１.２.３.４", "1.2.3.4%eth0", "1.2.3.1234", "9999999999.1.1.1", "localhost", "::1"})
  void rejectsEveryOtherIpv4Spelling(String text) {
    assertThat(IpLiterals.parseIpv4Canonical(text)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
      "::, ::",
      "::1, ::1",
      "0:0:0:0:0:0:0:1, ::1",
      "2001:DB8::1, 2001:db8::1",
      "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
      "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
      "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
      "1::, 1::",
      "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
      "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8",
      "fe80::1, fe80::1",
      "FF02::1, ff02::1",
      "::ffff:127.0.0.1, ::ffff:127.0.0.1",
      "::FFFF:7f00:0001, ::ffff:127.0.0.1",
      "0:0:0:0:0:ffff:169.254.169.254, ::ffff:169.254.169.254",
      "64:ff9b::192.0.2.1, 64:ff9b::c000:201",
      "1:2:3:4:5:6:1.2.3.4, 1:2:3:4:5:6:102:304",
      "::1.2.3.4, ::102:304",
  })
  void parsesIpv6AndFormatsPerRfc5952(String text, String canonical) {
    InetAddress address = IpLiterals.parseIpv6(text).orElseThrow();
    assertThat(address).isInstanceOf(Inet6Address.class);
    assertThat(IpLiterals.format(address)).isEqualTo(canonical);
    assertThat(IpLiterals.parse(text)).contains(address);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
      ":1::", "::1:", "1:", ":1", "00001::", "g::1", "::1.2.3", "::1.2.3.4.5", "::01.2.3.4", "::1.2.3.4:5",
      "1.2.3.4::", "::256.0.0.1", "fe80::1%eth0", "fe80::1%25eth0", "[::1]", " ::1", "::1 ", "::１",
      "1:2:3:4:5:6:7:1.2.3.4", "::ffff:0x7f.1"})
  void rejectsMalformedIpv6(String text) {
    assertThat(IpLiterals.parseIpv6(text)).isEmpty();
  }

  @Test
  void keepsIpv4MappedAsIpv6UntilUnmapped() {
    InetAddress mapped = IpLiterals.parseIpv6("::ffff:10.1.2.3").orElseThrow();
    assertThat(mapped).isInstanceOf(Inet6Address.class);
    assertThat(IpLiterals.isIpv4Mapped(mapped)).isTrue();
    InetAddress v4 = IpLiterals.unmapIpv4(mapped);
    assertThat(v4).isInstanceOf(Inet4Address.class);
    assertThat(IpLiterals.format(v4)).isEqualTo("10.1.2.3");
    assertThat(IpLiterals.isIpv4Mapped(IpLiterals.parseIpv6("::10.1.2.3").orElseThrow())).isFalse();
  }

  @Test
  void formatsWithPort() {
    assertThat(IpLiterals.formatWithPort(IpLiterals.parse("192.0.2.1").orElseThrow(), 443)).isEqualTo("192.0.2.1:443");
    assertThat(IpLiterals.formatWithPort(IpLiterals.parse("::1").orElseThrow(), 8080)).isEqualTo("[::1]:8080");
  }

  @Test
  void formatPicksFirstLongestZeroRunAndLeavesSingleZeroGroups() {
    assertThat(fmt("1:0:0:2:0:0:3:4")).isEqualTo("1::2:0:0:3:4");
    assertThat(fmt("1:0:0:2:0:0:0:4")).isEqualTo("1:0:0:2::4");
    assertThat(fmt("1:0:2:3:4:5:6:7")).isEqualTo("1:0:2:3:4:5:6:7");
  }

  /** Whatever we accept, the JDK's own parser (bracketed, so it never uses DNS) reads identically. */
  @Test
  void agreesWithTheJdkOnEveryIpv6WeAccept() throws Exception {
    Random random = new Random(20261124L);
    String alphabet = "0123456789abcdefABCDEF:::::..";
    int accepted = 0;
    for (int i = 0; i < 50_000; i++) {
      StringBuilder text = new StringBuilder();
      int length = 2 + random.nextInt(20);
      for (int j = 0; j < length; j++) {
        text.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      var ours = IpLiterals.parseIpv6(text.toString());
      if (ours.isPresent()) {
        accepted++;
        InetAddress jdk = InetAddress.getByName("[" + text + "]");
        assertThat(ours.get().getAddress()).as(text.toString()).isEqualTo(jdk.getAddress());
      }
    }
    assertThat(accepted).isPositive();
  }

  private static String fmt(String text) {
    return IpLiterals.format(IpLiterals.parseIpv6(text).orElseThrow());
  }
}
