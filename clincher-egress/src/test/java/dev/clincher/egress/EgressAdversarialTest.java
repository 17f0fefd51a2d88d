package dev.clincher.egress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.common.testing.LogCapture;
import dev.clincher.egress.address.HostResolver;
import dev.clincher.egress.proxy.ProxyLimits;
import dev.clincher.egress.testing.CanaryListener;
import dev.clincher.egress.testing.RawProxyClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What an attacker would try against the proxy. The ACL is {@code open} here so that only the address policy and
 * the request parsing stand in the way. Every deny also checks that no connection was attempted: canary listeners
 * sit where a loopback target would land, and the proxy's own connect counter must not move.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class EgressAdversarialTest {
  static final String OPEN_ACL = """
      version: v1
      services: []
      default:
        name: default
        project: adversarial
        action: open
      """;

  Path directory;

  CanaryListener loopbackCanary;
  CanaryListener ipv6Canary;
  CanaryListener deniedCanary;
  EgressServer strict;
  EgressServer loopbackOpen;
  final AtomicInteger rebindLookups = new AtomicInteger();

  @BeforeAll
  void start(@TempDir Path temporary) throws Exception {
    directory = temporary;
    loopbackCanary = new CanaryListener(InetAddress.getByName("127.0.0.1"), 0);
    int port = loopbackCanary.port();
    ipv6Canary = tryIpv6Canary(port);
    deniedCanary = new CanaryListener(InetAddress.getByName("127.0.0.5"), port);
    Path acl = directory.resolve("acl.yaml");
    Files.writeString(acl, OPEN_ACL);
    strict = EgressServer.start(settings(acl, List.of(), List.of(), 64), resolver());
    loopbackOpen = EgressServer.start(settings(acl, List.of("127.0.0.0/8"), List.of("127.0.0.5"), 64), resolver());
  }

  @AfterAll
  void stop() throws IOException {
    strict.close();
    loopbackOpen.close();
    loopbackCanary.close();
    deniedCanary.close();
    if (ipv6Canary != null) {
      ipv6Canary.close();
    }
  }

  private static CanaryListener tryIpv6Canary(int port) {
    try {
      return new CanaryListener(InetAddress.getByName("::1"), port);
    } catch (IOException noIpv6) {
      return null;
    }
  }

  static EgressSettings settings(Path acl, List<String> allowRanges, List<String> denyAddresses, int maxConnections) {
    ProxyLimits limits = new ProxyLimits(8192, 100, Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofSeconds(30), Duration.ofMinutes(5), maxConnections, 64 * 1024);
    return new EgressSettings("127.0.0.1", 0, Optional.of(acl), List.of(), allowRanges, denyAddresses, List.of(),
        List.of(), false, limits, Duration.ofMillis(100), Optional.of(EgressProxyTest.metricsTokenFile(acl.getParent())));
  }

  /** Names for the attacks: a localhost alias, a mixed public/private answer, and a rebinding name. */
  HostResolver resolver() {
    return name -> switch (name) {
      case "localhost", "canary.test" -> List.of(InetAddress.getByName("127.0.0.1"));
      case "mixed.test" -> List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("10.1.2.3"));
      case "metadata.test" -> List.of(InetAddress.getByName("169.254.169.254"));
      case "rebind.test" -> rebindLookups.getAndIncrement() == 0
          ? List.of(InetAddress.getByName("127.0.0.1"))
          : List.of(InetAddress.getByName("127.0.0.5"));
      default -> throw new UnknownHostException(name);
    };
  }

  private RawProxyClient.Answer connect(EgressServer proxy, String authority) throws IOException {
    return RawProxyClient.send(proxy.address(),
        "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
  }

  private static long connectAttempts(EgressServer proxy) throws IOException {
    try (Socket socket = new Socket(proxy.address().getAddress(), proxy.address().getPort())) {
      String scrape = "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + EgressProxyTest.METRICS_TOKEN
          + "\r\n\r\n";
      socket.getOutputStream().write(scrape.getBytes(StandardCharsets.US_ASCII));
      String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Matcher count = Pattern.compile("(?m)^clincher_egress_connect_duration_seconds_count\\{[^}]*} (\\S+)$")
          .matcher(text);
      return count.find() ? (long) Double.parseDouble(count.group(1)) : 0;
    }
  }

  /** Loopback in every spelling, on a proxy that does not open loopback: denied, and the canary hears nothing. */
  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.0.0.2", "localhost", "canary.test", "[::1]", "[::ffff:127.0.0.1]",
      "[0:0:0:0:0:ffff:7f00:1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[0000:0000::0001]", "2130706433", "0x7f.1",
      "127.1", "017.0.0.1", "0177.0.0.1", "0x7f000001", "127.0.0.1.", "127.000.000.001", "0x7F.0.0.1", "0.0.0.0",
      "[::]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]"})
  void loopbackSpellingsNeverConnect(String host) throws IOException {
    long before = connectAttempts(strict);
    int canaryBefore = loopbackCanary.accepted();
    RawProxyClient.Answer answer = connect(strict, host + ":" + loopbackCanary.port());
    assertThat(answer.status()).as(host).isIn(400, 403);
    assertThat(answer.header("X-Clincher-Error")).isNotBlank();
    assertThat(loopbackCanary.accepted()).isEqualTo(canaryBefore);
    if (ipv6Canary != null) {
      assertThat(ipv6Canary.accepted()).isZero();
    }
    assertThat(connectAttempts(strict)).isEqualTo(before);
  }

  /** Every other denied range, even on the proxy that opens loopback: no connect is attempted. */
  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1",
      "169.254.169.254", "metadata.test", "169.254.0.1", "100.64.0.1", "100.127.255.254", "224.0.0.1",
      "239.255.255.250", "255.255.255.255", "240.0.0.1", "0.1.2.3", "198.18.0.1", "198.19.255.1", "192.0.2.1",
      "198.51.100.1", "203.0.113.1", "192.0.0.8", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]", "[fec0::1]",
      "[ff02::1]", "[64:ff9b::a9fe:a9fe]", "[64:ff9b:1::1]", "[2002:a00:1::]", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
      "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[::ffff:10.0.0.1]", "[100::1]", "[2001:db8::1]",
      "[fd00:ec2::254]", "mixed.test", "0xa9.0xfe.0xa9.0xfe", "2852039166", "0251.0376.0251.0376", "10.1",
      "[FE80::1]", "[::FFFF:A9FE:A9FE]"})
  void deniedRangesNeverConnect(String host) throws IOException {
    long before = connectAttempts(loopbackOpen);
    RawProxyClient.Answer answer = connect(loopbackOpen, host + ":443");
    assertThat(answer.status()).as(host).isIn(400, 403);
    assertThat(connectAttempts(loopbackOpen)).as(host).isEqualTo(before);
  }

  @Test
  void aNameWithAPrivateAnswerIsDeniedEvenIfAnotherAnswerIsAllowed() throws IOException {
    int before = loopbackCanary.accepted();
    RawProxyClient.Answer answer = connect(loopbackOpen, "mixed.test:" + loopbackCanary.port());
    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.header("X-Clincher-Error")).contains("private");
    assertThat(loopbackCanary.accepted()).isEqualTo(before);
  }

  @Test
  void aMoreSpecificDenyBeatsAWiderAllow() throws IOException {
    RawProxyClient.Answer answer = connect(loopbackOpen, "127.0.0.5:" + deniedCanary.port());
    assertThat(answer.status()).isEqualTo(403);
    assertThat(deniedCanary.accepted()).isZero();
  }

  @Test
  void theProxyNeverConnectsToItself() throws IOException {
    RawProxyClient.Answer answer = connect(loopbackOpen, "127.0.0.1:" + loopbackOpen.address().getPort());
    assertThat(answer.status()).isEqualTo(403);
    assertThat(answer.header("X-Clincher-Error")).isEqualTo("own_address");
  }

  /** The name is resolved once and the proxy connects to the address it checked, whatever DNS says next. */
  @Test
  void dnsRebindingCannotRedirectTheConnection() throws Exception {
    rebindLookups.set(0);
    int before = loopbackCanary.accepted();
    try (Socket socket = new Socket(loopbackOpen.address().getAddress(), loopbackOpen.address().getPort())) {
      String target = "rebind.test:" + loopbackCanary.port();
      socket.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      assertThat(RawProxyClient.readAnswer(socket.getInputStream()).status()).isEqualTo(200);
      waitUntil(() -> loopbackCanary.accepted() == before + 1);
    }
    assertThat(rebindLookups.get()).isEqualTo(1);
    assertThat(deniedCanary.accepted()).isZero();
    RawProxyClient.Answer second = connect(loopbackOpen, "rebind.test:" + loopbackCanary.port());
    assertThat(second.status()).isEqualTo(403);
    assertThat(deniedCanary.accepted()).isZero();
  }

  @Test
  void aHostHeaderThatDisagreesWithTheTargetIsRejected() throws IOException {
    int before = loopbackCanary.accepted();
    RawProxyClient.Answer answer = RawProxyClient.send(loopbackOpen.address(),
        "CONNECT canary.test:" + loopbackCanary.port() + " HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n");
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.header("X-Clincher-Error")).isEqualTo("host_mismatch");
    assertThat(loopbackCanary.accepted()).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "CONNECT canary.test:%d HTTP/1.1\r\nHost: canary.test:%<d\r\nContent-Length: 5\r\n\r\nhello",
      "CONNECT canary.test:%d HTTP/1.1\r\nHost: canary.test:%<d\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "CONNECT canary.test:%d HTTP/1.1\r\nHost: canary.test:%<d\r\nHost: canary.test:%<d\r\n\r\n",
      "CONNECT canary.test:%d HTTP/1.1\nHost: canary.test:%<d\n\n",
      "CONNECT canary.test:%d HTTP/1.1\r\n\r\n",
      "CONNECT canary.test:%d HTTP/1.1\r\nHost: canary.test:%<d\r\n folded: yes\r\n\r\n",
      "CONNECT canary.test:%d\u0000 HTTP/1.1\r\nHost: canary.test:%<d\r\n\r\n",
      "CONNECT http://canary.test:%d/ HTTP/1.1\r\nHost: canary.test:%<d\r\n\r\n",
      "GET https://canary.test:%d/ HTTP/1.1\r\nHost: canary.test:%<d\r\n\r\n",
      "GET http://canary.test:%d/ HTTP/1.1\r\nHost: canary.test:%<d\r\n\r\n",
      "OPTIONS * HTTP/1.1\r\nHost: canary.test:%d\r\n\r\n",
  })
  void malformedSmugglingAndDisabledFormsAreRefusedWithoutConnecting(String template) throws IOException {
    int before = loopbackCanary.accepted();
    RawProxyClient.Answer answer = RawProxyClient.send(loopbackOpen.address(),
        String.format(template, loopbackCanary.port()));
    assertThat(answer.status()).isBetween(400, 505);
    assertThat(loopbackCanary.accepted()).isEqualTo(before);
  }

  @Test
  void anUnknownNameGets503() throws IOException {
    RawProxyClient.Answer answer = connect(loopbackOpen, "no-such-name.test:443");
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.header("X-Clincher-Error")).isEqualTo("dns_failure");
  }

  @Test
  void aRefusedConnectionGets502() throws IOException {
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = probe.getLocalPort();
    }
    RawProxyClient.Answer answer = connect(loopbackOpen, "127.0.0.1:" + closedPort);
    assertThat(answer.status()).isEqualTo(502);
    assertThat(answer.header("X-Clincher-Error")).isEqualTo("connect_refused");
  }

  /**
   * A refused connect gives its connection slot back: on a proxy serving one connection at a time, a CONNECT after a
   * 502 is served (the slot is released once the client has read the answer and closed, so it is retried a bounded
   * number of times while the earlier connection is still being closed).
   */
  @Test
  void aRefusedConnectionReleasesItsSlot() throws Exception {
    int closedPort;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = probe.getLocalPort();
    }
    try (EgressServer single = EgressServer.start(settings(directory.resolve("acl.yaml"), List.of("127.0.0.0/8"),
        List.of(), 1), resolver())) {
      assertThat(connect(single, "127.0.0.1:" + closedPort).status()).isEqualTo(502);
      int status = 429;
      for (int attempt = 0; attempt < 100 && status == 429; attempt++) {
        status = connect(single, "127.0.0.1:" + loopbackCanary.port()).status();
        if (status == 429) {
          Thread.sleep(20);
        }
      }
      assertThat(status).isEqualTo(200);
    }
  }

  /**
   * A listener whose accept queue is full drops further SYNs, so a connect to it hangs until the proxy's connect
   * timeout (2 s here) answers 504.
   */
  @Test
  void aConnectionThatCannotBeEstablishedInTimeGets504() throws Exception {
    try (java.net.ServerSocket neverAccepts = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      List<Socket> queued = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          Socket socket = new Socket();
          try {
            socket.connect(neverAccepts.getLocalSocketAddress(), 200);
            queued.add(socket);
          } catch (IOException queueFull) {
            socket.close();
            break;
          }
        }
        long started = System.nanoTime();
        RawProxyClient.Answer answer = connect(loopbackOpen, "127.0.0.1:" + neverAccepts.getLocalPort());
        assertThat(answer.status()).isEqualTo(504);
        assertThat(answer.header("X-Clincher-Error")).isEqualTo("connect_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(1500),
            Duration.ofSeconds(6));
      } finally {
        for (Socket socket : queued) {
          socket.close();
        }
      }
    }
  }

  @Test
  void anOversizedHeadGets431() throws IOException {
    String head = "CONNECT canary.test:1 HTTP/1.1\r\nHost: canary.test:1\r\nX-Pad: " + "a".repeat(9000) + "\r\n\r\n";
    assertThat(RawProxyClient.send(loopbackOpen.address(), head).status()).isEqualTo(431);
  }

  @Test
  void aSilentClientGets408AfterTheHeadTimeout() throws IOException {
    long started = System.nanoTime();
    try (Socket socket = new Socket(strict.address().getAddress(), strict.address().getPort())) {
      socket.setSoTimeout(10_000);
      RawProxyClient.Answer answer = RawProxyClient.readAnswer(socket.getInputStream());
      assertThat(answer.status()).isEqualTo(408);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
  }

  /** Slowloris: a byte every 200 ms keeps each read alive, but the head deadline is total. */
  @Test
  void aDribblingClientIsCutOffAtTheHeadDeadline() throws Exception {
    long started = System.nanoTime();
    try (Socket socket = new Socket(strict.address().getAddress(), strict.address().getPort())) {
      socket.setSoTimeout(10_000);
      Thread dribbler = Thread.ofVirtual().start(() -> dribble(socket));
      RawProxyClient.Answer answer = RawProxyClient.readAnswer(socket.getInputStream());
      assertThat(answer.status()).isEqualTo(408);
      dribbler.interrupt();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
  }

  private static void dribble(Socket socket) {
    try {
      OutputStream out = socket.getOutputStream();
      for (int i = 0; i < 100; i++) {
        out.write('X');
        out.flush();
        Thread.sleep(200);
      }
    } catch (IOException | InterruptedException stopped) {
      // the proxy closed the connection, as it should
    }
  }

  @Test
  void connectionsBeyondTheLimitGet429AtOnce() throws Exception {
    Path acl = directory.resolve("limit.yaml");
    Files.writeString(acl, OPEN_ACL);
    try (EgressServer small = EgressServer.start(settings(acl, List.of(), List.of(), 3), resolver())) {
      List<Socket> holders = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          holders.add(new Socket(small.address().getAddress(), small.address().getPort()));
        }
        long started = System.nanoTime();
        RawProxyClient.Answer answer;
        List<String> decisions;
        try (LogCapture logs = new LogCapture()) {
          answer = RawProxyClient.send(small.address(), "CONNECT canary.test:1 HTTP/1.1\r\nHost: canary.test:1\r\n\r\n");
          decisions = logs.text().lines().filter(line -> line.contains("\"egress.decision\"")).toList();
        }
        assertThat(answer.status()).isEqualTo(429);
        assertThat(answer.header("Retry-After")).isNotNull();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(decisions).as("the refusal is logged once with its reason").singleElement().satisfies(line ->
            assertThat(line).contains("\"decision\":\"deny\"", "\"reason\":\"too_many_connections\"",
                "\"status\":429"));
      } finally {
        for (Socket holder : holders) {
          holder.close();
        }
      }
      waitUntilAnswers(small);
    }
  }

  /** After the holders leave, the proxy serves again (permits are returned). */
  private static void waitUntilAnswers(EgressServer server) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    int status = 0;
    while (System.nanoTime() < deadline && status != 200) {
      try (Socket socket = new Socket(server.address().getAddress(), server.address().getPort())) {
        socket.getOutputStream().write("GET /health/liveliness HTTP/1.1\r\nHost: x\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        status = RawProxyClient.readAnswer(in).status();
      }
      if (status != 200) {
        Thread.sleep(50);
      }
    }
    assertThat(status).isEqualTo(200);
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }
}
