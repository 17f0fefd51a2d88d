package dev.clincher.egress.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.net.IpLiterals;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostResolverTest {

  /** The guard fires before any lookup, so these never reach DNS (or the JDK's lenient IPv4 parser). */
  @ParameterizedTest
  @ValueSource(strings = {
      "127.0.0.1", "127.1", "2130706433", "0x7f.1", "017.0.0.1", "::1", "[::1]", "[::ffff:127.0.0.1]",
      "fe80::1%eth0", "", "a b", "127.0.0.1."})
  void systemResolverRefusesLiteralsAndInvalidNames(String host) {
    assertThatThrownBy(() -> new SystemHostResolver().resolve(host))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refusing to resolve");
  }

  @Test
  void systemResolverResolvesLocalhostFromTheHostsFile() throws Exception {
    List<InetAddress> addresses = new SystemHostResolver().resolve("localhost");
    assertThat(addresses).isNotEmpty();
    assertThat(addresses).allSatisfy(a -> assertThat(AddressPolicy.defaults().classify(a, 443).reason())
        .isEqualTo("loopback"));
  }

  @Test
  void staticResolverMapsNormalisedNames() throws Exception {
    HostResolver dns = StaticHostResolver.of("API.example.com.", "93.184.216.34", "10.0.0.7")
        .with("v6.example.com", "2001:db8::1");
    assertThat(dns.resolve("api.example.com")).extracting(IpLiterals::format).containsExactly("93.184.216.34", "10.0.0.7");
    assertThat(dns.resolve("Api.Example.Com.")).hasSize(2);
    assertThat(dns.resolve("v6.example.com")).extracting(IpLiterals::format).containsExactly("2001:db8::1");
    assertThatThrownBy(() -> dns.resolve("missing.example.com")).isInstanceOf(UnknownHostException.class);
    assertThatThrownBy(() -> dns.resolve("127.1")).isInstanceOf(UnknownHostException.class);
  }

  @Test
  void staticResolverRejectsBadEntries() {
    assertThatThrownBy(() -> StaticHostResolver.of("example.com", "127.1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StaticHostResolver.of("example.com")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StaticHostResolver.of("127.0.0.1", "127.0.0.1")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StaticHostResolver(Map.of("a b", List.of()))).isInstanceOf(IllegalArgumentException.class);
  }

  /** A name resolving to both a public and a private address: the policy judges each one. */
  @Test
  void mixedAnswersAreClassifiedOneByOne() throws Exception {
    HostResolver dns = StaticHostResolver.of("rebind.example", "93.184.216.34", "169.254.169.254", "::ffff:10.0.0.1");
    AddressPolicy policy = AddressPolicy.defaults();
    assertThat(dns.resolve("rebind.example")).extracting(a -> policy.classify(a, 443).reason())
        .containsExactly("public", "cloud_metadata", "private");
  }
}
