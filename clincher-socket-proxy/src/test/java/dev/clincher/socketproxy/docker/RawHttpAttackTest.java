package dev.clincher.socketproxy.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.socketproxy.SocketProxyServer;
import dev.clincher.socketproxy.SocketProxySettings;
import dev.clincher.socketproxy.SocketProxySettings.Profile;
import dev.clincher.socketproxy.proxy.ProxyLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hand-written HTTP against the proxy (sandbox profile, 64 KiB body limit): smuggling, encoding and JSON tricks a
 * real client would never send. Every refusal is checked against the real socket: no container appeared.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RawHttpAttackTest {
  private static final int BODY_LIMIT = 64 * 1024;
  private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

  private final DockerSupport docker = new DockerSupport();
  private SocketProxyServer proxy;

  private static final String METRICS_TOKEN = "socket-proxy-metrics-token-2b3c4d";

  @BeforeAll
  void start() throws Exception {
    DockerSupport.assumeDocker();
    docker.ensureImage();
    Path metricsToken = Files.createTempFile("socket-proxy-metrics", ".token");
    Files.writeString(metricsToken, METRICS_TOKEN);
    proxy = SocketProxyServer.start(SocketProxySettings.defaults().withListenPort(0)
        .withDockerSocket(DockerSupport.SOCKET).withProfile(Profile.SANDBOX)
        .withLimits(ProxyLimits.defaults().withMaxBodyBytes(BODY_LIMIT)).withMetricsTokenFile(metricsToken));
    Files.delete(metricsToken); // read at start
  }

  @AfterAll
  void stop() throws Exception {
    if (proxy != null) {
      docker.cleanUp();
      proxy.close();
    }
  }

  /** A hardened sandbox body; {@code hostExtra} is spliced into HostConfig. */
  private String body(String hostExtra) {
    return "{\"Image\":\"" + DockerSupport.IMAGE + "\",\"Cmd\":[\"sleep\",\"60\"],"
        + "\"Labels\":{\"clincher.sandbox\":\"1\",\"clincher.test\":\"" + docker.run + "\"},"
        + "\"HostConfig\":{\"CapDrop\":[\"ALL\"],\"SecurityOpt\":[\"no-new-privileges\"],\"NetworkMode\":\"none\","
        + "\"Memory\":67108864,\"NanoCpus\":500000000,\"PidsLimit\":64" + hostExtra + "}}";
  }

  private static String post(String target, String body, String extraHeaders) {
    return "POST " + target + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n" + extraHeaders
        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }

  private static String chunked(String target, String body) {
    StringBuilder request = new StringBuilder("POST " + target + " HTTP/1.1\r\nHost: docker\r\n"
        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += 1000) {
      int n = Math.min(1000, bytes.length - i);
      request.append(Integer.toHexString(n)).append("\r\n")
          .append(new String(bytes, i, n, StandardCharsets.UTF_8)).append("\r\n");
    }
    return request.append("0\r\n\r\n").toString();
  }

  /** Sends raw bytes and reads until the proxy closes the connection. */
  private String exchange(String raw) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", proxy.address().getPort())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      return readAll(socket.getInputStream());
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      int read;
      while ((read = in.read(buffer)) >= 0) {
        out.write(buffer, 0, read);
      }
    } catch (SocketTimeoutException | java.net.SocketException e) {
      // what arrived is the answer
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static List<Integer> statuses(String responses) {
    List<Integer> statuses = new ArrayList<>();
    Matcher matcher = STATUS.matcher(responses);
    while (matcher.find()) {
      statuses.add(Integer.parseInt(matcher.group(1)));
    }
    return statuses;
  }

  private int runContainers() throws Exception {
    return docker.count("ps", "-aq", "--filter", "label=clincher.test=" + docker.run);
  }

  /** Sends the request and checks one response with this status and rule, and that nothing was created. */
  private void assertRefused(String raw, int status, String rule) throws Exception {
    int before = runContainers();
    String response = exchange(raw);
    assertThat(statuses(response)).as(response).containsExactly(status);
    assertThat(response).contains("X-Clincher-Rule: " + rule);
    assertThat(runContainers()).as("containers after a refused request").isEqualTo(before);
  }

  @Test
  void aHardenedCreateIsForwarded() throws Exception {
    int before = runContainers();
    String response = exchange(post("/v1.41/containers/create", body(""), "Connection: close\r\n"));
    assertThat(statuses(response)).as(response).containsExactly(201);
    assertThat(runContainers()).isEqualTo(before + 1);
  }

  @Test
  void duplicateAndCaseVariantKeys() throws Exception {
    assertRefused(post("/containers/create", body(",\"Privileged\":false,\"privileged\":true"), ""), 403,
        "duplicate_key");
    assertRefused(post("/containers/create", body(",\"privileged\":true"), ""), 403, "privileged");
    assertRefused(post("/containers/create", body(",\"PRIVILEGED\":true"), ""), 403, "privileged");
    assertRefused(post("/containers/create", body(",\"Privıleged\":true"), ""), 403, "ambiguous_key");
    assertRefused(post("/containers/create", body("").replace("\"CapDrop\"", "\"capdrop\":[],\"CapDrop\""), ""),
        403, "duplicate_key");
    assertRefused(post("/containers/create", body(",\"MaskedPaths\":[]"), ""), 403, "masked_paths");
  }

  @Test
  void invalidJson() throws Exception {
    assertRefused(post("/containers/create", body("") + "{\"HostConfig\":{\"Privileged\":true}}", ""), 403,
        "invalid_json");
    assertRefused(post("/containers/create", "{\"Image\":", ""), 403, "invalid_json");
  }

  @Test
  void encodedAndDotSegmentPaths() throws Exception {
    assertRefused(post("/containers%2Fcreate", body(",\"Privileged\":true"), ""), 403, "ambiguous_path");
    assertRefused(post("/v1.41/../build", "", ""), 403, "ambiguous_path");
    assertRefused(post("/v1.41/containers/./create", body(""), ""), 403, "ambiguous_path");
    assertRefused(post("//containers/create", body(""), ""), 403, "ambiguous_path");
    assertRefused(post("/v1.23/containers/create", body(""), ""), 403, "ambiguous_path");
    assertRefused(post("/containers/create/", body(""), ""), 403, "ambiguous_path");
    assertRefused("GET /containers/%2e%2e/%2e%2e/info HTTP/1.1\r\nHost: d\r\n\r\n", 403, "ambiguous_path");
    assertRefused("GET http://docker/containers/json HTTP/1.1\r\nHost: d\r\n\r\n", 400, "malformed_request");
  }

  @Test
  void imageInspectByPathTricks() throws Exception {
    String ok = exchange(get("/v1.41/images/" + DockerSupport.IMAGE + "/json"));
    assertThat(statuses(ok)).as(ok).containsExactly(200);
    assertThat(ok).contains("\"Id\":\"sha256:", "\"" + DockerSupport.IMAGE + "\"");
    assertRefused(get("/images/clincher-sandbox-test:latest/..%2F..%2Fbusybox/json"), 403, "ambiguous_path");
    assertRefused(get("/images/clincher-sandbox-test:latest/../../busybox/json"), 403, "ambiguous_path");
    assertRefused(get("/images/clincher-sandbox-test%3Alatest%2Fjson%2F..%2F..%2Fx/json"), 403, "ambiguous_path");
    assertRefused(get("/images/docker.io/library/busybox/json"), 403, "image");
    assertRefused(get("/images/sha256:0/json"), 403, "image");
    assertRefused(get("/images/clincher-sandbox-test:latest/history"), 403, "IMAGES");
    assertRefused(get("/images/clincher-sandbox-test:latest/get"), 403, "IMAGES");
  }

  private static String get(String target) {
    return "GET " + target + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
  }

  @Test
  void oversizedBodies() throws Exception {
    String padding = ",\"Dns\":[\"" + "1".repeat(BODY_LIMIT) + "\"]";
    assertRefused(post("/containers/create", body(padding), ""), 413, "body_too_large");
    assertRefused(chunked("/containers/create", body(padding)), 413, "body_too_large");
  }

  @Test
  void chunkedBodiesAreInspectedAndForwardedAsRead() throws Exception {
    assertRefused(chunked("/containers/create", body(",\"Privileged\":true")), 403, "privileged");
    int before = runContainers();
    String response = exchange(chunked("/containers/create", body("")));
    assertThat(statuses(response)).as(response).containsExactly(201);
    assertThat(runContainers()).isEqualTo(before + 1);
  }

  @Test
  void ambiguousFramingIsRefused() throws Exception {
    String both = "POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 4\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assertRefused(both, 400, "malformed_request");
    String identity = "POST /containers/create HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked, identity\r\n\r\n";
    assertRefused(identity, 501, "unsupported_transfer_encoding");
    String twoLengths = "POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 2\r\nContent-Length: 20"
        + "\r\n\r\n{}";
    assertRefused(twoLengths, 400, "malformed_request");
    String extension = "POST /containers/create HTTP/1.1\r\nHost: d\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "2;x=y\r\n{}\r\n0\r\n\r\n";
    assertRefused(extension, 400, "malformed_request");
  }

  @Test
  void aSecondRequestSmuggledAfterTheFirstIsJudgedOnItsOwn() throws Exception {
    int before = runContainers();
    String pipelined = "GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n"
        + post("/containers/create", body(",\"Privileged\":true"), "");
    String response = exchange(pipelined);
    assertThat(statuses(response)).as(response).containsExactly(200, 403);
    assertThat(response).contains("X-Clincher-Rule: privileged");
    String afterAllowed = post("/containers/create", body(""), "")
        + post("/containers/create", body(",\"Binds\":[\"/:/host\"]"), "");
    response = exchange(afterAllowed);
    assertThat(statuses(response)).as(response).containsExactly(201, 403);
    assertThat(runContainers()).isEqualTo(before + 1);
  }

  @Test
  void aRequestHiddenInTheBodyOfOneWithoutABodyIsRefused() throws Exception {
    String hidden = post("/containers/create", body(",\"Privileged\":true"), "");
    String start = "POST /containers/nothing/start HTTP/1.1\r\nHost: d\r\nContent-Length: "
        + hidden.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + hidden;
    assertRefused(start, 403, "unexpected_body");
  }

  @Test
  void hijackedExecWithATerminal() throws Exception {
    String name = "raw-" + docker.run;
    exchange(post("/containers/create?name=" + name, body(""), "Connection: close\r\n"));
    assertThat(statuses(exchange(post("/containers/" + name + "/start", "", "Connection: close\r\n"))))
        .containsExactly(204);
    String created = exchange(post("/containers/" + name + "/exec",
        "{\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":true,\"Cmd\":[\"sh\",\"-c\","
            + "\"[ -t 1 ] && echo raw-tty-ok\"]}", "Connection: close\r\n"));
    Matcher id = Pattern.compile("\"Id\":\"([0-9a-f]+)\"").matcher(created);
    assertThat(id.find()).as(created).isTrue();
    String start = post("/exec/" + id.group(1) + "/start", "{\"Detach\":false,\"Tty\":true}",
        "Connection: Upgrade\r\nUpgrade: tcp\r\n");
    String response = exchange(start);
    assertThat(response).startsWith("HTTP/1.1 101 UPGRADED").contains("raw-tty-ok");
  }

  private String createAndStart(String body) throws Exception {
    String created = exchange(post("/v1.41/containers/create", body, "Connection: close\r\n"));
    Matcher id = Pattern.compile("\"Id\":\"([0-9a-f]+)\"").matcher(created);
    assertThat(id.find()).as(created).isTrue();
    assertThat(exchange(post("/v1.41/containers/" + id.group(1) + "/start", "", "Connection: close\r\n")))
        .startsWith("HTTP/1.1 204");
    return id.group(1);
  }

  private static String attach(String container) {
    return "POST /v1.41/containers/" + container + "/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n"
        + "Host: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n";
  }

  /** The gateway's command runner is reached this way: stdin in, the multiplexed stdout back. */
  @Test
  void attachToASandboxReachesItsMainProcess() throws Exception {
    String id = createAndStart(body("").replace("\"Cmd\":[\"sleep\",\"60\"]", "\"Cmd\":[\"cat\"],\"OpenStdin\":true"));
    try (Socket socket = new Socket("127.0.0.1", proxy.address().getPort())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write((attach(id) + "through-attach\n").getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      while (!seen.toString(StandardCharsets.UTF_8).contains("through-attach")) {
        int n = socket.getInputStream().read(buffer);
        assertThat(n).as("attach stream ended early: " + seen).isPositive();
        seen.write(buffer, 0, n);
      }
      assertThat(seen.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 101 UPGRADED");
    }
  }

  @Test
  void attachToAContainerThatIsNoSandboxIsRefused() throws Exception {
    DockerSupport.Result plain = docker.direct("run", "-d", "-i", "--label", "clincher.test=" + docker.run,
        DockerSupport.IMAGE, "cat");
    assertThat(plain.exit()).as(plain.err()).isZero();
    String id = plain.out().trim();
    assertRefused(attach(id), 403, "not_a_sandbox");
    assertRefused(attach(id.substring(0, 12)), 403, "not_a_sandbox");
    assertRefused("GET /v1.41/containers/" + id + "/attach/ws?stream=1&stdin=1 HTTP/1.1\r\nHost: docker\r\n"
        + "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 403, "ALLOW_ATTACH");
    String sandbox = createAndStart(body(""));
    assertRefused("GET /v1.41/containers/" + sandbox + "/attach/ws?stream=1 HTTP/1.1\r\nHost: docker\r\n"
        + "Connection: close\r\n\r\n", 403, "ALLOW_ATTACH");
  }

  @Test
  void opsEndpointsDoNotShadowDocker() throws Exception {
    assertThat(exchange("GET /health/liveliness HTTP/1.1\r\nHost: d\r\n\r\n")).startsWith("HTTP/1.1 200");
    assertThat(exchange("GET /health/readiness HTTP/1.1\r\nHost: d\r\n\r\n")).startsWith("HTTP/1.1 200")
        .contains("\"docker\"");
    exchange("GET /nope HTTP/1.1\r\nHost: d\r\n\r\n");
    assertThat(exchange("GET /metrics HTTP/1.1\r\nHost: d\r\n\r\n")).startsWith("HTTP/1.1 401");
    assertThat(exchange("GET /metrics HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer wrong\r\n\r\n"))
        .startsWith("HTTP/1.1 401");
    assertThat(exchange("GET /metrics HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer " + METRICS_TOKEN
        + "\r\n\r\n"))
        .contains("clincher_socketproxy_decisions_total{decision=\"deny\",rule=\"unknown_endpoint\"");
    assertThat(exchange("GET /refusals/recent HTTP/1.1\r\nHost: d\r\n\r\n")).as("behind the metrics token")
        .startsWith("HTTP/1.1 401");
    assertThat(exchange("GET /refusals/recent HTTP/1.1\r\nHost: d\r\nAuthorization: Bearer " + METRICS_TOKEN
        + "\r\n\r\n")).startsWith("HTTP/1.1 200")
        .contains("\"path\":\"/nope\"").contains("\"rule\":\"unknown_endpoint\"");
    assertThat(exchange("GET /v1.41/health/readiness HTTP/1.1\r\nHost: d\r\n\r\n")).startsWith("HTTP/1.1 403");
    assertThat(exchange("GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200")
        .contains("Api-Version");
  }
}
