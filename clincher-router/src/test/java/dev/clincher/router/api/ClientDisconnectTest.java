package dev.clincher.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.testing.LogCapture;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.FakeUpstream.Delayed;
import dev.clincher.router.testing.FakeUpstream.Hang;
import dev.clincher.router.testing.FakeUpstream.Json;
import dev.clincher.router.testing.OpenAiWire;
import dev.clincher.router.testing.RawHttp;
import dev.clincher.router.testing.RawHttp.Answer;
import dev.clincher.router.testing.RunningRouter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that closes its connection while the router waits on a non-streamed provider call cancels that call; the
 * watch that notices it leaves kept-alive and pipelined connections intact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ClientDisconnectTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CHAT = """
      {"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}""";
  static final String EMBED = """
      {"model":"small","input":"hi"}""";
  static final String DEFAULT_ANSWER = OpenAiWire.completion("chatcmpl-default", "hello");

  FakeUpstream fake;
  RunningRouter router;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    fake = FakeUpstream.start();
    router = RunningRouter.start(directory, """
        model_list:
          - model_name: gpt-test
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY}
          - model_name: small
            litellm_params: {model: openai/text-embedding-3-small, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY}
        router_settings:
          num_retries: 2
          disable_cooldowns: true
        """.formatted(fake.apiBase()), Map.of());
  }

  @AfterAll
  void stop() throws Exception {
    router.close();
    fake.close();
  }

  @BeforeEach
  void resetFake() {
    fake.reset();
  }

  @Test
  void closingTheConnectionCancelsANonStreamedChatCall() throws Exception {
    assertClosingCancels("/v1/chat/completions", CHAT);
  }

  @Test
  void closingTheConnectionCancelsAnEmbeddingsCall() throws Exception {
    assertClosingCancels("/v1/embeddings", EMBED);
  }

  private void assertClosingCancels(String path, String body) throws Exception {
    int abortedBefore = fake.aborted();
    fake.then(new Hang(Duration.ofSeconds(30)));
    try (Socket socket = new Socket("127.0.0.1", router.port())) {
      socket.getOutputStream().write(RawHttp.post(path, body));
      socket.getOutputStream().flush();
      awaitTrue(() -> fake.calls().size() == 1, Duration.ofSeconds(10));
    }
    awaitTrue(() -> fake.aborted() == abortedBefore + 1, Duration.ofSeconds(10));
    assertThat(fake.aborted()).isEqualTo(abortedBefore + 1);
    Thread.sleep(300);
    assertThat(fake.calls()).as("a client that left is not retried for").hasSize(1);
  }

  @Test
  void aKeptAliveConnectionServesSequentialRequests() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", router.port())) {
      socket.setSoTimeout(10_000);
      for (int i = 0; i < 50; i++) {
        socket.getOutputStream().write(RawHttp.post("/v1/chat/completions", CHAT));
        socket.getOutputStream().flush();
        Answer answer = RawHttp.read(socket).orElseThrow(() -> new AssertionError("connection closed"));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("connection")).isEmpty();
        assertThat(JSON.readTree(answer.body())).isEqualTo(JSON.readTree(DEFAULT_ANSWER));
      }
    }
  }

  @Test
  void twoHundredSequentialRequestsThroughTheJdkClient() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      for (int i = 0; i < 200; i++) {
        HttpResponse<String> response = router.post(i % 2 == 0 ? "/v1/chat/completions" : "/v1/embeddings",
            i % 2 == 0 ? CHAT : EMBED);
        assertThat(response.statusCode()).isEqualTo(200);
      }
      assertThat(logs.text()).doesNotContain("Read pending").doesNotContain("ReadPendingException");
    }
  }

  @Test
  void pipelinedRequestsAreBothAnsweredOrTheConnectionClosesAfterTheFirst() throws Exception {
    fake.then(new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-first", "one")),
        new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-second", "two")));
    try (Socket socket = new Socket("127.0.0.1", router.port())) {
      socket.setSoTimeout(10_000);
      ByteArrayOutputStream both = new ByteArrayOutputStream();
      both.write(RawHttp.post("/v1/chat/completions", CHAT));
      both.write(RawHttp.post("/v1/chat/completions", CHAT));
      socket.getOutputStream().write(both.toByteArray());
      socket.getOutputStream().flush();
      assertFirstAnsweredThenSecondOrClose(socket, "two");
    }
  }

  @Test
  void aRequestPipelinedWhileTheCallRunsIsAnsweredOrTheConnectionClosesAfterTheFirst() throws Exception {
    fake.then(new Delayed(Duration.ofMillis(600), new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-first", "one"))),
        new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-second", "two")));
    try (Socket socket = new Socket("127.0.0.1", router.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(RawHttp.post("/v1/chat/completions", CHAT));
      out.flush();
      awaitTrue(() -> fake.calls().size() == 1, Duration.ofSeconds(10));
      out.write(RawHttp.post("/v1/chat/completions", CHAT)); // arrives while the router waits on the provider
      out.flush();
      assertFirstAnsweredThenSecondOrClose(socket, "two");
    }
  }

  /** The first answer is intact; then either the second is, or the first said close and the connection ended. */
  private void assertFirstAnsweredThenSecondOrClose(Socket socket, String secondContent) throws Exception {
    Answer first = RawHttp.read(socket).orElseThrow(() -> new AssertionError("no first answer"));
    assertThat(first.status()).isEqualTo(200);
    assertThat(JSON.readTree(first.body()).at("/choices/0/message/content").asText()).isEqualTo("one");
    Optional<Answer> second = RawHttp.read(socket);
    if (second.isPresent()) {
      assertThat(second.get().status()).isEqualTo(200);
      assertThat(JSON.readTree(second.get().body()).at("/choices/0/message/content").asText()).isEqualTo(secondContent);
    } else {
      assertThat(first.header("connection")).as("a connection closed after the first answer says so").contains("close");
    }
  }

  private static void awaitTrue(BooleanSupplier condition, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
