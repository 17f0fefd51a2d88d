package dev.clincher.egress.address;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.net.Cidr;
import dev.clincher.common.net.IpLiterals;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressPolicyTest {

  private static final AddressPolicy DEFAULTS = AddressPolicy.defaults();

  /** The built-in table, one or more probes per range, each given as the proxy would receive it. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      // IPv4
      "0.0.0.0, unspecified",
      "0.1.2.3, this_network",
      "0.255.255.255, this_network",
      "127.0.0.1, loopback",
      "127.255.255.254, loopback",
      "10.0.0.1, private",
      "10.255.255.255, private",
      "172.16.0.1, private",
      "172.31.255.255, private",
      "192.168.1.1, private",
      "169.254.0.1, link_local",
      "169.254.169.254, cloud_metadata",
      "169.254.170.2, cloud_metadata",
      "169.254.170.23, cloud_metadata",
      "168.63.129.16, cloud_metadata",
      "100.100.100.200, cloud_metadata",
      "100.64.0.1, cgnat",
      "100.127.255.255, cgnat",
      "224.0.0.1, multicast",
      "239.255.255.250, multicast",
      "240.0.0.1, reserved",
      "254.1.1.1, reserved",
      "255.255.255.255, broadcast",
      "192.0.0.8, special_purpose",
      "192.0.0.170, special_purpose",
      "192.0.2.1, documentation",
      "198.51.100.7, documentation",
      "203.0.113.9, documentation",
      "198.18.0.1, benchmarking",
      "198.19.255.255, benchmarking",
      "192.88.99.1, 6to4_relay",
      // IPv4 neighbours of the ranges stay public
      "1.1.1.1, public",
      "8.8.8.8, public",
      "172.15.255.255, public",
      "172.32.0.0, public",
      "100.63.255.255, public",
      "100.128.0.0, public",
      "126.255.255.255, public",
      "128.0.0.0, public",
      "169.253.255.255, public",
      "198.17.255.255, public",
      "198.20.0.0, public",
      "223.255.255.255, public",
      "11.0.0.0, public",
      // IPv6
      "[::], unspecified",
      "[::1], loopback",
      "[0:0:0:0:0:0:0:1], loopback",
      "[0000:0000:0000:0000:0000:0000:0000:0001], loopback",
      "[fe80::1], link_local",
      "[FE80::1], link_local",
      "[febf:ffff::1], link_local",
      "[fec0::1], site_local",
      "[fc00::1], private",
      "[fd12:3456::1], private",
      "[fd00:ec2::254], cloud_metadata",
      "[fd00:ec2::23], cloud_metadata",
      "[ff02::1], multicast",
      "[FF05::1:3], multicast",
      "[2001:db8::1], documentation",
      "[3fff::1], documentation",
      "[2001:2::1], benchmarking",
      "[2001:10::1], orchid",
      "[2001:20::1], orchid",
      "[2001:1::1], special_purpose",
      "[100::1], discard",
      "[5f00::1], special_purpose",
      "[1::1], reserved",
      "[4000::1], reserved",
      "[8000::1], reserved",
      "[e000::1], reserved",
      "[2606:4700:4700::1111], public",
      "[2a00:1450:4001:80b::200e], public",
      "[3ffe::1], public",
      // IPv4-mapped: classified as the IPv4 address they carry
      "[::ffff:127.0.0.1], loopback",
      "[::ffff:7f00:1], loopback",
      "[::FFFF:7F00:0001], loopback",
      "[0:0:0:0:0:ffff:169.254.169.254], cloud_metadata",
      "[::ffff:a9fe:a9fe], cloud_metadata",
      "[::ffff:10.0.0.1], private",
      "[::ffff:8.8.8.8], public",
      // IPv4-compatible, SIIT, NAT64, 6to4, Teredo: whole blocks denied by default
      "[::127.0.0.1], ipv4_compatible",
      "[::8.8.8.8], ipv4_compatible",
      "[::ffff:0:8.8.8.8], ipv4_translated",
      "[64:ff9b::a9fe:a9fe], nat64",
      "[64:ff9b::8.8.8.8], nat64",
      "[64:ff9b:1::1], nat64",
      "[2002:7f00:1::], 6to4",
      "[2002:808:808::1], 6to4",
      "[2001:0:4136:e378:8000:63bf:3fff:fdd2], teredo",
  })
  void builtInTable(String host, String reason) throws Exception {
    AddressVerdict verdict = DEFAULTS.classify(literal(host), 443);
    assertThat(verdict.reason()).isEqualTo(reason);
    assertThat(verdict.allowed()).isEqualTo(reason.equals("public"));
  }

  @Test
  void everyBuiltInEntryDeniesItsFirstAndLastAddress() {
    for (SpecialRanges.Entry entry : SpecialRanges.table()) {
      byte[] first = entry.cidr().network().getAddress();
      byte[] last = first.clone();
      for (int bit = entry.cidr().prefixLength(); bit < last.length * 8; bit++) {
        last[bit / 8] |= (byte) (0x80 >>> (bit % 8));
      }
      for (byte[] probe : List.of(first, last)) {
        AddressVerdict verdict = DEFAULTS.classify(IpLiterals.fromBytes(probe), 443);
        assertThat(verdict.allowed()).as(entry + " at " + IpLiterals.format(IpLiterals.fromBytes(probe))).isFalse();
      }
    }
  }

  @Test
  void javaTurnsTheMappedByteFormIntoIpv4AndBothFormsClassifyAlike() throws Exception {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 169, (byte) 254, (byte) 169, (byte) 254};
    InetAddress viaJdk = InetAddress.getByAddress(mapped); // becomes an Inet4Address
    InetAddress kept = IpLiterals.fromBytes(mapped); // stays an Inet6Address
    assertThat(DEFAULTS.classify(viaJdk, 80)).isEqualTo(AddressVerdict.deny("cloud_metadata"));
    assertThat(DEFAULTS.classify(kept, 80)).isEqualTo(AddressVerdict.deny("cloud_metadata"));
  }

  // ---- precedence ----

  @Test
  void allowRangeOpensLoopbackAtEqualPrefix() throws Exception {
    AddressPolicy policy = AddressPolicy.builder().allowRange(Cidr.parse("127.0.0.0/8")).build();
    assertThat(policy.classify(literal("127.0.0.1"), 8443)).isEqualTo(AddressVerdict.allow("allow_range 127.0.0.0/8"));
    assertThat(policy.classify(literal("[::ffff:127.0.0.1]"), 8443).allowed()).isTrue();
    assertThat(policy.classify(literal("[::1]"), 8443).allowed()).isFalse();
    assertThat(policy.classify(literal("10.0.0.1"), 8443).allowed()).isFalse();
  }

  @Test
  void allowRangeOpensIpv6LoopbackWithoutEmbeddedIpv4Confusion() throws Exception {
    AddressPolicy policy = AddressPolicy.builder().allowRange(Cidr.parse("::1/128")).build();
    assertThat(policy.classify(literal("[::1]"), 8443)).isEqualTo(AddressVerdict.allow("allow_range ::1/128"));
    assertThat(SpecialRanges.embeddedIpv4(literal("[::1]"))).isEmpty();
    assertThat(SpecialRanges.embeddedIpv4(literal("[::]"))).isEmpty();
    assertThat(SpecialRanges.embeddedIpv4(literal("[::2]"))).extracting(IpLiterals::format).containsExactly("0.0.0.2");
  }

  @Test
  void moreSpecificBuiltInBeatsWiderAllow() throws Exception {
    AddressPolicy policy = AddressPolicy.builder().allowRange(Cidr.parse("169.254.0.0/16")).build();
    assertThat(policy.classify(literal("169.254.1.1"), 80).allowed()).isTrue();
    assertThat(policy.classify(literal("169.254.169.254"), 80)).isEqualTo(AddressVerdict.deny("cloud_metadata"));
    assertThat(policy.classify(literal("[::ffff:169.254.169.254]"), 80)).isEqualTo(AddressVerdict.deny("cloud_metadata"));
  }

  @Test
  void wideAllowDoesNotOpenNarrowerBuiltIns() throws Exception {
    AddressPolicy policy = AddressPolicy.builder().allowRange(Cidr.parse("0.0.0.0/0")).allowRange(Cidr.parse("::/0")).build();
    assertThat(policy.classify(literal("10.1.1.1"), 443).reason()).isEqualTo("private");
    assertThat(policy.classify(literal("[::1]"), 443).reason()).isEqualTo("loopback");
  }

  @Test
  void moreSpecificDenyBeatsWiderAllow() throws Exception {
    AddressPolicy policy = AddressPolicy.builder()
        .allowRange(Cidr.parse("127.0.0.0/8"))
        .denyAddress("127.0.0.5")
        .denyRange(Cidr.parse("127.0.1.0/24"))
        .build();
    assertThat(policy.classify(literal("127.0.0.5"), 443)).isEqualTo(AddressVerdict.deny("deny_address 127.0.0.5"));
    assertThat(policy.classify(literal("127.0.1.9"), 443)).isEqualTo(AddressVerdict.deny("deny_range 127.0.1.0/24"));
    assertThat(policy.classify(literal("127.0.0.6"), 443).allowed()).isTrue();
  }

  @Test
  void moreSpecificAllowBeatsWiderDeny() throws Exception {
    AddressPolicy policy = AddressPolicy.builder()
        .denyRange(Cidr.parse("93.184.0.0/16"))
        .allowRange(Cidr.parse("93.184.216.0/24"))
        .build();
    assertThat(policy.classify(literal("93.184.216.34"), 443)).isEqualTo(AddressVerdict.allow("allow_range 93.184.216.0/24"));
    assertThat(policy.classify(literal("93.184.1.1"), 443)).isEqualTo(AddressVerdict.deny("deny_range 93.184.0.0/16"));
  }

  @Test
  void operatorDenyBeatsOperatorAllowAtEqualPrefix() throws Exception {
    AddressPolicy policy = AddressPolicy.builder()
        .allowRange(Cidr.parse("10.0.0.0/8"))
        .denyRange(Cidr.parse("10.0.0.0/8"))
        .build();
    assertThat(policy.classify(literal("10.0.0.1"), 443)).isEqualTo(AddressVerdict.deny("deny_range 10.0.0.0/8"));
  }

  @Test
  void denyRangeOnPublicAddresses() throws Exception {
    AddressPolicy policy = AddressPolicy.builder().denyRange(Cidr.parse("8.8.8.0/24")).build();
    assertThat(policy.classify(literal("8.8.8.8"), 443)).isEqualTo(AddressVerdict.deny("deny_range 8.8.8.0/24"));
    assertThat(policy.classify(literal("[::ffff:8.8.8.8]"), 443)).isEqualTo(AddressVerdict.deny("deny_range 8.8.8.0/24"));
    assertThat(policy.classify(literal("8.8.4.4"), 443)).isEqualTo(AddressVerdict.allow("public"));
  }

  @Test
  void addressWithPortBeatsAddressWithout() throws Exception {
    AddressPolicy policy = AddressPolicy.builder()
        .allowAddress("127.0.0.1:8443")
        .denyAddress("8.8.8.8:25")
        .allowAddress("[::1]:9000")
        .build();
    assertThat(policy.classify(literal("127.0.0.1"), 8443)).isEqualTo(AddressVerdict.allow("allow_address 127.0.0.1:8443"));
    assertThat(policy.classify(literal("127.0.0.1"), 8444)).isEqualTo(AddressVerdict.deny("loopback"));
    assertThat(policy.classify(literal("8.8.8.8"), 25)).isEqualTo(AddressVerdict.deny("deny_address 8.8.8.8:25"));
    assertThat(policy.classify(literal("8.8.8.8"), 443).allowed()).isTrue();
    assertThat(policy.classify(literal("[::1]"), 9000)).isEqualTo(AddressVerdict.allow("allow_address [::1]:9000"));

    AddressPolicy portless = AddressPolicy.builder().denyAddress("127.0.0.1").allowAddress("127.0.0.1:8443").build();
    assertThat(portless.classify(literal("127.0.0.1"), 8443).allowed()).isTrue();
    assertThat(portless.classify(literal("127.0.0.1"), 80)).isEqualTo(AddressVerdict.deny("deny_address 127.0.0.1"));
  }

  @Test
  void explicitAllowAddressCanOpenMetadataButOnlyExplicitly() throws Exception {
    AddressPolicy policy = AddressPolicy.builder().allowAddress("169.254.169.254").build();
    assertThat(policy.classify(literal("169.254.169.254"), 80)).isEqualTo(AddressVerdict.allow("allow_address 169.254.169.254"));
  }

  @Test
  void mappedOperatorRangesApplyToIpv4() throws Exception {
    AddressPolicy policy = AddressPolicy.builder().allowRange(Cidr.parse("::ffff:127.0.0.0/104")).build();
    assertThat(policy.classify(literal("127.0.0.1"), 80)).isEqualTo(AddressVerdict.allow("allow_range 127.0.0.0/8"));
    AddressPolicy deny = AddressPolicy.builder().denyAddress("[::ffff:8.8.8.8]:443").build();
    assertThat(deny.classify(literal("8.8.8.8"), 443)).isEqualTo(AddressVerdict.deny("deny_address 8.8.8.8:443"));
  }

  // ---- embedded IPv4 ----

  @ParameterizedTest(name = "{0} under allow {1} -> {2}")
  @CsvSource({
      "[64:ff9b::a9fe:a9fe], 64:ff9b::/96, embedded cloud_metadata",
      "[64:ff9b::10.0.0.1], 64:ff9b::/96, embedded private",
      "[64:ff9b::7f00:1], 64:ff9b::/96, embedded loopback",
      "[64:ff9b::8.8.8.8], 64:ff9b::/96, allow_range 64:ff9b::/96",
      "[64:ff9b:1:a9fe:a9:fe00::], 64:ff9b:1::/48, embedded cloud_metadata", // IPv4 at RFC 6052 /48 position
      "[64:ff9b:1:808:a:0:100:0], 64:ff9b:1::/48, embedded private", // 10.0.0.1 at the /64 position
      "[64:ff9b:1:808:8:808:a00:1], 64:ff9b:1::/48, embedded private", // 10.0.0.1 at the /96 position
      "[64:ff9b:1:808:8:808:808:808], 64:ff9b:1::/48, allow_range 64:ff9b:1::/48",
      "[2002:7f00:1::], 2002::/16, embedded loopback",
      "[2002:a9fe:a9fe::1], 2002::/16, embedded cloud_metadata",
      "[2002:808:808::1], 2002::/16, allow_range 2002::/16",
      "[2001:0:4136:e378:8000:63bf:80ff:fffe], 2001::/32, embedded loopback",
      "[2001:0:a00:1::f7f7:f7f7], 2001::/32, embedded private",
      "[2001:0:4136:e378:8000:63bf:f7f7:f7f7], 2001::/32, allow_range 2001::/32",
      "[::127.0.0.1], ::/96, embedded loopback",
      "[::10.0.0.1], ::/96, embedded private",
      "[::ffff:0:127.0.0.1], ::ffff:0:0:0/96, embedded loopback",
  })
  void allowingATransitionBlockDoesNotOpenEmbeddedIpv4(String host, String allow, String reason) throws Exception {
    AddressPolicy policy = AddressPolicy.builder().allowRange(Cidr.parse(allow)).build();
    AddressVerdict verdict = policy.classify(literal(host), 443);
    assertThat(verdict.reason()).isEqualTo(reason);
    assertThat(verdict.allowed()).isEqualTo(reason.startsWith("allow_range"));
  }

  @Test
  void embeddedIpv4FollowsOperatorAllowsToo() throws Exception {
    AddressPolicy policy = AddressPolicy.builder()
        .allowRange(Cidr.parse("64:ff9b::/96"))
        .allowRange(Cidr.parse("127.0.0.0/8"))
        .denyRange(Cidr.parse("8.8.8.0/24"))
        .build();
    assertThat(policy.classify(literal("[64:ff9b::127.0.0.1]"), 443).allowed()).isTrue();
    assertThat(policy.classify(literal("[64:ff9b::8.8.8.8]"), 443)).isEqualTo(AddressVerdict.deny("embedded deny_range 8.8.8.0/24"));
  }

  // ---- own address ----

  @Test
  void ownAddressIsDeniedEvenWhenAllowed() throws Exception {
    AddressPolicy policy = AddressPolicy.builder()
        .allowRange(Cidr.parse("127.0.0.0/8"))
        .allowAddress("127.0.0.1:4750")
        .ownAddress(new InetSocketAddress(literal("127.0.0.1"), 4750))
        .build();
    assertThat(policy.classify(literal("127.0.0.1"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    assertThat(policy.classify(literal("[::ffff:127.0.0.1]"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    assertThat(policy.classify(literal("0.0.0.0"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    assertThat(policy.classify(literal("[::]"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    assertThat(policy.classify(literal("127.0.0.1"), 4751).allowed()).isTrue();
    assertThat(policy.classify(literal("127.0.0.2"), 4750).allowed()).isTrue(); // not bound there
  }

  @Test
  void wildcardListenDeniesEveryLocalAddressAtThatPort() throws Exception {
    List<InetAddress> interfaces = List.of(literal("192.168.7.20"), literal("[2001:db8:1::20]"), literal("203.0.114.5"));
    AddressPolicy policy = AddressPolicy.builder()
        .allowRange(Cidr.parse("0.0.0.0/0"))
        .allowRange(Cidr.parse("127.0.0.0/8"))
        .allowRange(Cidr.parse("192.168.0.0/16"))
        .ownAddress(new InetSocketAddress(literal("[::]"), 4750), interfaces)
        .build();
    assertThat(policy.classify(literal("203.0.114.5"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    assertThat(policy.classify(literal("192.168.7.20"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    assertThat(policy.classify(literal("[2001:db8:1::20]"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    assertThat(policy.classify(literal("127.0.0.9"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    assertThat(policy.classify(literal("[::1]"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    assertThat(policy.classify(literal("203.0.114.5"), 443).allowed()).isTrue();
    assertThat(policy.classify(literal("192.168.7.20"), 443).allowed()).isTrue();
  }

  @Test
  void wildcardListenEnumeratesRealInterfaces() throws Exception {
    AddressPolicy policy = AddressPolicy.builder()
        .allowRange(Cidr.parse("127.0.0.0/8"))
        .ownAddress(new InetSocketAddress(literal("0.0.0.0"), 4750))
        .build();
    assertThat(policy.classify(literal("127.0.0.1"), 4750)).isEqualTo(AddressVerdict.deny("own_address"));
    for (InetAddress local : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(nic -> java.util.Collections.list(nic.getInetAddresses()).stream()).toList()) {
      assertThat(policy.classify(local, 4750)).as(local.toString()).isEqualTo(AddressVerdict.deny("own_address"));
    }
  }

  @Test
  void ownAddressAlsoGuardsEmbeddedIpv4() throws Exception {
    AddressPolicy policy = AddressPolicy.builder()
        .allowRange(Cidr.parse("::/96"))
        .allowRange(Cidr.parse("127.0.0.0/8"))
        .ownAddress(new InetSocketAddress(literal("127.0.0.1"), 4750))
        .build();
    assertThat(policy.classify(literal("[::127.0.0.1]"), 4750)).isEqualTo(AddressVerdict.deny("embedded own_address"));
  }

  // ---- operator entry syntax ----

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1.2.3.4|1.2.3.4|443|deny_address 1.2.3.4",
      "1.2.3.4:443|1.2.3.4|443|deny_address 1.2.3.4:443",
      "::1|::1|443|deny_address ::1",
      "[::1]|::1|443|deny_address ::1",
      "[::1]:443|::1|443|deny_address [::1]:443",
      "[2001:DB8::0001]:8080|2001:db8::1|8080|deny_address [2001:db8::1]:8080",
      "::ffff:1.2.3.4|1.2.3.4|443|deny_address 1.2.3.4",
  })
  void addressEntriesAreParsedStrictlyAndReportedCanonically(String value, String probe, int port, String reason) {
    AddressPolicy policy = AddressPolicy.builder().allowRange(Cidr.parse("::/0")).denyAddress(value).build();
    assertThat(policy.classify(IpLiterals.parse(probe).orElseThrow(), port)).isEqualTo(AddressVerdict.deny(reason));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|empty",
      "127.1|canonical dotted quad",
      "0x7f000001|canonical dotted quad",
      "127.0.0.1:0|port must be",
      "127.0.0.1:65536|port must be",
      "127.0.0.1:08080|port must be",
      "127.0.0.1:|port must be",
      "127.0.0.1:+80|port must be",
      "[::1|missing ']'",
      "[::1]x|expected ':port'",
      "[::1]:|port must be",
      "[127.0.0.1]:80|not a valid IPv6 address",
      "fe80::1%eth0|zone ids",
      "[fe80::1%25eth0]:443|zone ids",
      "example.com|canonical dotted quad",
      "example.com:443|canonical dotted quad",
      "1:2:3|not a valid IPv6",
      "1.2.3.4/32|canonical dotted quad",
  })
  void invalidAddressEntriesNameTheValueAndWhy(String value, String why) {
    assertThatThrownBy(() -> AddressPolicy.builder().allowAddress(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"" + value + "\"")
        .hasMessageContaining(why);
    assertThatThrownBy(() -> AddressPolicy.builder().denyAddress(value)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsBadPorts() throws Exception {
    assertThatThrownBy(() -> DEFAULTS.classify(literal("8.8.8.8"), 65536)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DEFAULTS.classify(literal("8.8.8.8"), -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void policyIsImmutableOnceBuilt() throws Exception {
    AddressPolicy.Builder builder = AddressPolicy.builder();
    AddressPolicy before = builder.build();
    builder.allowRange(Cidr.parse("10.0.0.0/8"));
    assertThat(before.classify(literal("10.0.0.1"), 443).allowed()).isFalse();
    assertThat(builder.build().classify(literal("10.0.0.1"), 443).allowed()).isTrue();
  }

  /** The proxy's path: parse the requested host, no DNS for literals. */
  static InetAddress literal(String host) throws InvalidHostException {
    return ((RequestedHost.IpLiteral) RequestedHost.parse(host)).address();
  }
}
