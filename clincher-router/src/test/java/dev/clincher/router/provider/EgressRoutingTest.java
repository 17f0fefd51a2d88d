package dev.clincher.router.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.clincher.egress.EgressServer;
import dev.clincher.egress.EgressSettings;
import dev.clincher.egress.address.StaticHostResolver;
import dev.clincher.egress.proxy.ProxyLimits;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.End;
import dev.clincher.router.testing.FakeUpstream.Stream;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RunningRouter;
import dev.clincher.router.testing.WireAssertions;
import dev.clincher.router.testing.SelfSignedTls;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provider calls go through a real {@code clincher egress} when the proxy variables are set. The upstream host names
 * ({@code *.allowed.test}) resolve only inside the egress proxy, so a call that succeeds cannot have gone direct.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class EgressRoutingTest {
  static final String ACL = """
      version: v1
      services: []
      default:
        name: default
        project: router-tests
        action: enforce
        allowed_domains: ["api.allowed.test", "plain.allowed.test"]
      """;

  Path directory;
  FakeUpstream tlsFake;
  FakeUpstream plainFake;
  EgressServer egress;
  RunningRouter router;

  @BeforeAll
  void start(@TempDir Path temporary) throws Exception {
    directory = temporary;
    SelfSignedTls tls = SelfSignedTls.forHost("api.allowed.test", directory);
    tlsFake = FakeUpstream.startTls(tls.serverContext());
    plainFake = FakeUpstream.start();
    egress = startEgress(directory, "api.allowed.test", "plain.allowed.test", "api.denied.test");
    String proxy = "http://127.0.0.1:" + egress.address().getPort();
    router = RunningRouter.start(directory, """
        model_list:
          - model_name: tls-model
            litellm_params:
              model: openai/gpt-4.1
              api_base: https://api.allowed.test:%d/v1
              api_key: os.environ/FAKE_API_KEY
          - model_name: plain-model
            litellm_params:
              model: openai/gpt-4.1
              api_base: http://plain.allowed.test:%d/v1
          - model_name: denied-model
            litellm_params:
              model: openai/gpt-4.1
              api_base: https://api.denied.test:%d/v1
        """.formatted(tlsFake.port(), plainFake.port(), tlsFake.port()),
        Map.of("HTTPS_PROXY", proxy, "HTTP_PROXY", proxy, "NO_PROXY", "localhost"), tls.clientContext());
  }

  /**
   * A real egress on loopback enforcing {@link #ACL}, where (and only where) {@code hosts} resolve, to 127.0.0.1: a
   * call that reaches one of them cannot have gone direct.
   */
  static EgressServer startEgress(Path directory, String... hosts) throws Exception {
    Path acl = Files.writeString(directory.resolve("acl.yaml"), ACL);
    ProxyLimits limits = new ProxyLimits(8192, 100, Duration.ofSeconds(2), Duration.ofSeconds(2),
        Duration.ofSeconds(30), Duration.ofMinutes(5), 64, 64 * 1024);
    EgressSettings settings = new EgressSettings("127.0.0.1", 0, Optional.of(acl), List.of(), List.of("127.0.0.0/8"),
        List.of(), List.of(), List.of(), true, limits, Duration.ofSeconds(1), Optional.empty());
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    Map<String, List<InetAddress>> resolved = new java.util.HashMap<>();
    for (String host : hosts) {
      resolved.put(host, List.of(loopback));
    }
    return EgressServer.start(settings, new StaticHostResolver(resolved));
  }

  @AfterAll
  void stop() throws Exception {
    router.close();
    egress.close();
    tlsFake.close();
    plainFake.close();
  }

  @Test
  void httpsProviderIsReachedThroughTheEgressTunnel() throws Exception {
    HttpResponse<String> response = router.post("/v1/chat/completions", chat("tls-model", false));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("chat.completion");
    assertThat(tlsFake.calls()).isNotEmpty();
    assertThat(tlsFake.calls().get(tlsFake.calls().size() - 1).header("host")).startsWith("api.allowed.test");
  }

  @Test
  void streamingWorksThroughTheEgressTunnel() throws Exception {
    List<String> events = OpenAiWire.toolCallStream("chatcmpl-egress");
    tlsFake.then(new Stream(events, Duration.ofMillis(5), End.DONE));
    HttpResponse<String> response = router.post("/v1/chat/completions", chat("tls-model", true));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(WireAssertions.toolArguments(response.body())).isEqualTo(OpenAiWire.TOOL_ARGUMENTS);
    assertThat(response.body()).endsWith("data: [DONE]\n\n");
  }

  @Test
  void plainHttpProviderIsReachedThroughTheEgressForwarder() throws Exception {
    HttpResponse<String> response = router.post("/v1/chat/completions", chat("plain-model", false));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(plainFake.calls()).isNotEmpty();
  }

  @Test
  void hostsOutsideTheEgressAllowlistAreRefused() throws Exception {
    int before = tlsFake.calls().size();
    HttpResponse<String> response = router.post("/v1/chat/completions", chat("denied-model", false));
    assertThat(response.statusCode()).isEqualTo(502);
    WireAssertions.assertOpenAiError(response.body(), "api_connection_error", "egress_refused");
    assertThat(tlsFake.calls()).hasSize(before);
  }

  static String chat(String model, boolean stream) {
    return """
        {"model":"%s","stream":%s,"messages":[{"role":"user","content":"hi"}]}""".formatted(model, stream);
  }
}
