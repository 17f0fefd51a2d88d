package dev.clincher.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * The model provider of the replica tests: OpenAI's {@code POST /v1/chat/completions} on loopback, plain HTTP, in the
 * test's JVM. Answers are plain text, streamed (chunks, a usage chunk, {@code [DONE]}) or not, and each reports a
 * usage of its own ({@link #usageOf}) so spend recorded by the routers can be matched to what the provider said.
 *
 * <p>A last user message containing {@value #HOLD} is answered with {@link #HELD_DELTAS} streamed deltas, then the
 * stream waits until {@link #release()} (at most 60 s): a run in progress the test can kill a gateway in. One
 * starting with {@value #EXEC} is answered with an {@code exec} tool call of the rest of the message; the tool's
 * result is then answered with {@code ran: <result>}.
 */
final class ReplicaProvider extends Handler.Abstract implements AutoCloseable {
  static final String HOLD = "[hold]";
  static final String EXEC = "[exec] ";
  static final List<String> HELD_DELTAS = List.of("one ", "two ", "three ");

  /** One answer the provider finished writing: its id and the usage it reported. */
  record Answer(String id, long promptTokens, long completionTokens) {}

  private final ObjectMapper json = new ObjectMapper();
  private final Server server = new Server();
  private final AtomicLong ids = new AtomicLong();
  private final Map<String, Answer> answered = new ConcurrentHashMap<>();
  private final List<String> heldRequests = new CopyOnWriteArrayList<>();
  private volatile CountDownLatch release = new CountDownLatch(1);

  ReplicaProvider() throws Exception {
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(this);
    server.start();
  }

  /** The base URL the routers' deployments use, ending in /v1. */
  String apiBase() {
    return "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/v1";
  }

  /** The answers written to the end, by id. */
  Map<String, Answer> answered() {
    return Map.copyOf(answered);
  }

  /** How many held streams were started. */
  int heldCount() {
    return heldRequests.size();
  }

  /** Lets every held stream finish; later held streams wait again. */
  void release() {
    CountDownLatch current = release;
    release = new CountDownLatch(1);
    current.countDown();
  }

  /** The usage reported for a last user message: prompt 10 + length, completion 3 + length mod 7. */
  static long[] usageOf(String lastUserMessage) {
    return new long[] {10 + lastUserMessage.length(), 3 + lastUserMessage.length() % 7};
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (!Request.getPathInContext(request).equals("/v1/chat/completions") || !request.getMethod().equals("POST")) {
      send(response, callback, 404, "{\"error\":{\"message\":\"not here\",\"type\":\"invalid_request_error\"}}");
      return true;
    }
    JsonNode body = json.readTree(Content.Source.asString(request, StandardCharsets.UTF_8));
    String question = lastUserMessage(body);
    String id = "chatcmpl-replica-" + ids.incrementAndGet();
    long[] usage = usageOf(question);
    String model = body.path("model").asText();
    if (!body.path("stream").asBoolean()) {
      ObjectNode answer = header(id, model, "chat.completion");
      ObjectNode choice = answer.putArray("choices").addObject().put("index", 0);
      choice.putObject("message").put("role", "assistant").put("content", "echo: " + question);
      choice.put("finish_reason", "stop");
      answer.set("usage", usage(usage));
      send(response, callback, 200, json.writeValueAsString(answer));
      answered.put(id, new Answer(id, usage[0], usage[1]));
      return true;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    String toolResult = lastToolResult(body);
    if (toolResult != null) {
      event(response, chunk(id, model, json.createObjectNode().put("content", "ran: " + toolResult), null));
    } else if (question.startsWith(EXEC)) {
      ObjectNode call = json.createObjectNode().put("index", 0).put("id", "call_" + id).put("type", "function");
      call.putObject("function").put("name", "exec").put("arguments",
          json.createObjectNode().put("command", question.substring(EXEC.length())).toString());
      ObjectNode delta = json.createObjectNode().put("role", "assistant");
      delta.putArray("tool_calls").add(call);
      event(response, chunk(id, model, delta, null));
      event(response, chunk(id, model, json.createObjectNode(), "tool_calls"));
    } else if (question.contains(HOLD)) {
      heldRequests.add(id);
      CountDownLatch waitFor = release;
      for (String delta : HELD_DELTAS) {
        event(response, chunk(id, model, json.createObjectNode().put("content", delta), null));
        Thread.sleep(60); // apart, so the gateway writes them as separate events
      }
      waitFor.await(60, TimeUnit.SECONDS);
    } else {
      event(response, chunk(id, model, json.createObjectNode().put("role", "assistant").put("content", "echo: "),
          null));
      event(response, chunk(id, model, json.createObjectNode().put("content", question), null));
    }
    if (toolResult != null || !question.startsWith(EXEC)) {
      event(response, chunk(id, model, json.createObjectNode(), "stop"));
    }
    ObjectNode last = header(id, model, "chat.completion.chunk");
    last.putArray("choices");
    last.set("usage", usage(usage));
    event(response, last);
    write(response, "data: [DONE]\n\n");
    response.write(true, ByteBuffer.allocate(0), callback);
    answered.put(id, new Answer(id, usage[0], usage[1]));
    return true;
  }

  /** The content of the last message when it is a tool's result, else null. */
  private static String lastToolResult(JsonNode body) {
    JsonNode messages = body.path("messages");
    JsonNode last = messages.isArray() && !messages.isEmpty() ? messages.get(messages.size() - 1) : null;
    return last != null && last.path("role").asText().equals("tool") ? last.path("content").asText() : null;
  }

  private static String lastUserMessage(JsonNode body) {
    String last = "";
    for (JsonNode message : body.path("messages")) {
      if (message.path("role").asText().equals("user")) {
        JsonNode content = message.path("content");
        last = content.isTextual() ? content.asText() : content.toString();
      }
    }
    return last;
  }

  private ObjectNode usage(long[] usage) {
    return json.createObjectNode().put("prompt_tokens", usage[0]).put("completion_tokens", usage[1])
        .put("total_tokens", usage[0] + usage[1]);
  }

  private ObjectNode chunk(String id, String model, ObjectNode delta, String finishReason) {
    ObjectNode chunk = header(id, model, "chat.completion.chunk");
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return chunk;
  }

  private ObjectNode header(String id, String model, String object) {
    return json.createObjectNode().put("id", id).put("object", object)
        .put("created", System.currentTimeMillis() / 1000).put("model", model);
  }

  private void event(Response response, ObjectNode data) throws IOException {
    write(response, "data: " + json.writeValueAsString(data) + "\n\n");
  }

  private static void write(Response response, String text) throws IOException {
    try (Blocker.Callback written = Blocker.callback()) {
      response.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), written);
      written.block();
    }
  }

  private static void send(Response response, Callback callback, int status, String text) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
  }

  @Override
  public void close() throws Exception {
    release();
    server.stop();
  }
}
