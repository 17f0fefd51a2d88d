package dev.clincher.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.RunningRouter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A fake OpenAI provider whose answer depends on the request, so that many concurrent runs each get a coherent
 * conversation: the script sees the request body and returns the stream to send (built with {@link ScriptedModel}).
 * Streams are written event by event in OpenAI's SSE framing, with an optional pause before each event.
 */
public final class ScriptedProvider implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile Function<JsonNode, FakeUpstream.Stream> script;

  private ScriptedProvider(Function<JsonNode, FakeUpstream.Stream> script) throws IOException {
    this.script = script;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::answer);
    server.start();
  }

  public static ScriptedProvider start(Function<JsonNode, FakeUpstream.Stream> script) throws IOException {
    return new ScriptedProvider(script);
  }

  /** The conventional agent script: call {@code tool} with {@code arguments} after a user message, then answer. */
  public static Function<JsonNode, FakeUpstream.Stream> toolThenAnswer(String tool, String arguments,
      String answer) {
    return request -> lastRole(request).equals("tool")
        ? ScriptedModel.text(answer)
        : ScriptedModel.toolCall("call_" + Math.abs(request.toString().hashCode()), tool, arguments);
  }

  /** The role of the last message of a chat request. */
  public static String lastRole(JsonNode request) {
    JsonNode messages = request.path("messages");
    return messages.get(messages.size() - 1).path("role").asText();
  }

  public void script(Function<JsonNode, FakeUpstream.Stream> script) {
    this.script = script;
  }

  /** A real router in {@code directory} whose model {@code scripted} is this provider, without retries. */
  public RunningRouter router(Path directory) throws Exception {
    return RunningRouter.start(directory, """
        model_list:
          - model_name: scripted
            litellm_params: {model: openai/gpt-4.1, api_base: "%s", api_key: os.environ/FAKE_API_KEY}
        router_settings: {num_retries: 0}
        """.formatted(apiBase()), Map.of());
  }

  public String apiBase() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<JsonNode> requests() {
    return requests;
  }

  public int calls() {
    return calls.get();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode request = JSON.readTree(exchange.getRequestBody());
      requests.add(request);
      calls.incrementAndGet();
      FakeUpstream.Stream stream = script.apply(request);
      exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      for (String event : stream.events()) {
        pause(stream.pause());
        out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      if (stream.end() == FakeUpstream.End.DONE) {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private static void pause(Duration pause) {
    if (!pause.isZero()) {
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
