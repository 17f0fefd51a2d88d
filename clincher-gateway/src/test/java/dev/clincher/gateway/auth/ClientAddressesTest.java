package dev.clincher.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.net.IpLiterals;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressesTest {
  final ClientAddresses addresses;

  ClientAddressesTest() throws ConfigException {
    addresses = ClientAddresses.parse("gateway.yaml", "trustedProxies", List.of("10.0.0.0/24", "fd00::/64"));
  }

  static InetAddress ip(String text) {
    return IpLiterals.parse(text).orElseThrow();
  }

  String resolve(String peer, String... xff) {
    return IpLiterals.format(addresses.resolve(ip(peer), List.of(xff)));
  }

  @Test
  void untrustedPeerIsTheClientWhateverItForwards() {
    assertThat(resolve("203.0.113.9", "10.0.0.5")).isEqualTo("203.0.113.9");
    assertThat(resolve("203.0.113.9", "198.51.100.1, 10.0.0.5")).isEqualTo("203.0.113.9");
    assertThat(resolve("203.0.113.9")).isEqualTo("203.0.113.9");
  }

  @Test
  void trustedPeerGivesTheRightMostUntrustedEntry() {
    assertThat(resolve("10.0.0.2", "198.51.100.1")).isEqualTo("198.51.100.1");
    // The client wrote "1.1.1.1" itself; the proxy appended the address it saw.
    assertThat(resolve("10.0.0.2", "1.1.1.1, 198.51.100.1")).isEqualTo("198.51.100.1");
    // Two proxies in a row: both skipped.
    assertThat(resolve("10.0.0.2", "1.1.1.1, 198.51.100.1, 10.0.0.3")).isEqualTo("198.51.100.1");
    // Several headers are one list, in order.
    assertThat(resolve("10.0.0.2", "1.1.1.1", "198.51.100.1, 10.0.0.3")).isEqualTo("198.51.100.1");
    assertThat(resolve("fd00::1", "2001:db8::7")).isEqualTo("2001:db8::7");
  }

  @Test
  void trustedPeerWithoutForwardingIsItself() {
    assertThat(resolve("10.0.0.2")).isEqualTo("10.0.0.2");
    assertThat(resolve("10.0.0.2", "10.0.0.3")).isEqualTo("10.0.0.3");
  }

  @Test
  void portsBracketsAndMappedAddressesAreUnderstood() {
    assertThat(resolve("10.0.0.2", "198.51.100.1:5555")).isEqualTo("198.51.100.1");
    assertThat(resolve("10.0.0.2", "[2001:db8::7]:443")).isEqualTo("2001:db8::7");
    assertThat(resolve("10.0.0.2", "::ffff:198.51.100.1")).isEqualTo("198.51.100.1");
    assertThat(resolve("::ffff:10.0.0.2", "198.51.100.1")).as("mapped peer is trusted").isEqualTo("198.51.100.1");
  }

  @Test
  void malformedEntriesStopTheWalkAtTheNearestTrustedHop() {
    assertThat(resolve("10.0.0.2", "198.51.100.1, unknown")).isEqualTo("10.0.0.2");
    assertThat(resolve("10.0.0.2", "198.51.100.1, garbage, 10.0.0.3")).isEqualTo("10.0.0.3");
    assertThat(resolve("10.0.0.2", "127.1")).isEqualTo("10.0.0.2");
    assertThat(resolve("10.0.0.2", "")).isEqualTo("10.0.0.2");
    assertThat(resolve("10.0.0.2", "198.51.100.1:99999")).isEqualTo("10.0.0.2");
    assertThat(resolve("10.0.0.2", "fe80::1%eth0")).isEqualTo("10.0.0.2");
    assertThat(resolve("10.0.0.2", "[2001:db8::7")).isEqualTo("10.0.0.2");
  }

  @Test
  void hugeHeadersAreReadFromTheRightOnly() {
    String padding = "1.1.1.1, ".repeat(5000);
    assertThat(resolve("10.0.0.2", padding + "198.51.100.1")).isEqualTo("198.51.100.1");
    assertThat(resolve("10.0.0.2", "9".repeat(20_000))).isEqualTo("10.0.0.2");
    // 40 trusted entries: only 32 are read, then the last trusted one stands.
    assertThat(resolve("10.0.0.2", "198.51.100.1, " + "10.0.0.4, ".repeat(40) + "10.0.0.3"))
        .isEqualTo("10.0.0.4");
  }

  @Test
  void ipv6ClientsAreLimitedPerSlash64() {
    assertThat(ClientAddresses.limiterKey(ip("2001:db8:1:2:aaaa::1")))
        .isEqualTo(ClientAddresses.limiterKey(ip("2001:db8:1:2:bbbb::9")))
        .isEqualTo("2001:db8:1:2::/64");
    assertThat(ClientAddresses.limiterKey(ip("::ffff:198.51.100.1"))).isEqualTo("198.51.100.1");
  }

  @Test
  void badBlocksFailAtStartUpWithTheKey() {
    assertThatThrownBy(() -> ClientAddresses.parse("gateway.yaml", "trustedProxies", List.of("10.0.0.0/8", "10.0.0.1/8")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("trustedProxies[1]");
  }
}
