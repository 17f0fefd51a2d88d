package dev.clincher.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The internet, as far as the topology test is concerned: a fake OpenAI chat-completions API that runs in a
 * container on {@code egress-net} only, under the network alias {@code api.openai.com}, over TLS with a certificate
 * from the test's own CA (which only the test stack's router trusts).
 *
 * <p>It plays one agent turn: a request without a tool result is answered with an {@code exec} tool call (the command
 * is set by the test), a request with one is answered with text quoting the tool's output. Streamed answers stop
 * after their first chunk until the test says {@code /release} (or 30 s pass), so the test can prove that every hop
 * — router, gateway, caddy — passes the stream on unbuffered: it must see the first words before it releases the rest.
 *
 * <p>Control, plain HTTP on port 8080 (reachable from the host, never from the stack's internal networks):
 * {@code GET /requests} (who called, with which key hash), {@code PUT /script} (the exec command),
 * {@code POST /release}.
 *
 * <pre>java -cp clincher.jar:test-classes dev.clincher.e2e.FakeOpenAi CERT.pem KEY.pem</pre>
 */
public final class FakeOpenAi extends Handler.Abstract {
  static final int TLS_PORT = 443;
  static final int CONTROL_PORT = 8080;
  /** The first words of the final answer; the rest follows the release. */
  static final String ANSWER_PREFIX = "The sandbox said: ";

  private final ObjectMapper json = new ObjectMapper();
  private final List<ObjectNode> requests = new CopyOnWriteArrayList<>();
  private final AtomicReference<String> command = new AtomicReference<>("id -u");
  private final AtomicReference<CountDownLatch> release = new AtomicReference<>(new CountDownLatch(1));

  public static void main(String[] args) throws Exception {
    Server server = new Server();
    SslContextFactory.Server tls = new SslContextFactory.Server();
    char[] password = HexFormat.of().formatHex(SecureRandom.getSeed(16)).toCharArray(); // in memory only
    tls.setKeyStore(keyStore(Path.of(args[0]), Path.of(args[1]), password));
    tls.setKeyStorePassword(new String(password));
    HttpConfiguration https = new HttpConfiguration();
    https.addCustomizer(new SecureRequestCustomizer());
    ServerConnector api = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
        new HttpConnectionFactory(https));
    api.setPort(TLS_PORT);
    ServerConnector control = new ServerConnector(server);
    control.setPort(CONTROL_PORT);
    server.addConnector(api);
    server.addConnector(control);
    server.setHandler(new FakeOpenAi());
    server.start();
    System.out.println("fake api.openai.com listening on " + TLS_PORT + " (TLS) and " + CONTROL_PORT + " (control)");
    server.join();
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = Request.getPathInContext(request);
    boolean control = Request.getLocalPort(request) == CONTROL_PORT;
    if (control) {
      control(request, path, response, callback);
    } else if (path.equals("/v1/chat/completions") && request.getMethod().equals("POST")) {
      chat(request, response, callback);
    } else {
      send(response, callback, 404, "application/json", "{\"error\":{\"message\":\"not here\"}}");
    }
    return true;
  }

  private void control(Request request, String path, Response response, Callback callback) throws IOException {
    switch (request.getMethod() + " " + path) {
      case "GET /requests" -> send(response, callback, 200, "application/json", json.writeValueAsString(requests));
      case "PUT /script" -> {
        command.set(Content.Source.asString(request, StandardCharsets.UTF_8));
        send(response, callback, 204, "text/plain", "");
      }
      case "POST /release" -> {
        CountDownLatch current = release.get();
        System.out.println(Instant.now() + " release (waiting answers are let go: " + (current.getCount() > 0) + ")");
        current.countDown();
        send(response, callback, 204, "text/plain", "");
      }
      default -> send(response, callback, 404, "text/plain", "no such control route\n");
    }
  }

  private void chat(Request request, Response response, Callback callback) throws Exception {
    JsonNode body = json.readTree(Content.Source.asString(request, StandardCharsets.UTF_8));
    String toolResult = lastToolResult(body);
    ObjectNode seen = json.createObjectNode()
        .put("at", Instant.now().toString())
        .put("remote", Request.getRemoteAddr(request))
        .put("model", body.path("model").asText())
        .put("stream", body.path("stream").asBoolean())
        .put("has_tool_result", toolResult != null)
        .put("authorization_sha256", sha256(request.getHeaders().get(HttpHeader.AUTHORIZATION)));
    requests.add(seen);
    System.out.println(Instant.now() + " request " + seen);
    if (toolResult == null) {
      release.set(new CountDownLatch(1)); // a new turn: its answer waits for a new release
    }
    if (!body.path("stream").asBoolean()) {
      send(response, callback, 200, "application/json", json.writeValueAsString(completion(body, toolResult)));
      return;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    String model = body.path("model").asText();
    if (toolResult == null) {
      event(response, chunk(model, toolCallDelta(), null));
      event(response, chunk(model, json.createObjectNode(), "tool_calls"));
    } else {
      event(response, chunk(model, json.createObjectNode().put("role", "assistant").put("content", ANSWER_PREFIX),
          null));
      boolean released = release.get().await(30, TimeUnit.SECONDS);
      System.out.println(Instant.now() + " answer " + (released ? "released" : "NOT released within 30 s"));
      event(response, chunk(model, json.createObjectNode().put("content", toolResult.strip()), null));
      event(response, chunk(model, json.createObjectNode(), "stop"));
    }
    event(response, usage(model));
    write(response, false, "data: [DONE]\n\n");
    response.write(true, ByteBuffer.allocate(0), callback);
  }

  /** The content of the last message if it is a tool's result, else null (the turn's first model call). */
  private static String lastToolResult(JsonNode body) {
    JsonNode messages = body.path("messages");
    JsonNode last = messages.isArray() && !messages.isEmpty() ? messages.get(messages.size() - 1) : null;
    return last != null && last.path("role").asText().equals("tool") ? last.path("content").asText() : null;
  }

  private ObjectNode toolCallDelta() {
    ObjectNode call = json.createObjectNode().put("index", 0).put("id", "call_e2e_1").put("type", "function");
    call.putObject("function").put("name", "exec")
        .put("arguments", json.createObjectNode().put("command", command.get()).toString());
    ObjectNode delta = json.createObjectNode().put("role", "assistant");
    delta.putNull("content");
    delta.putArray("tool_calls").add(call);
    return delta;
  }

  private ObjectNode chunk(String model, ObjectNode delta, String finishReason) {
    ObjectNode chunk = header(model, "chat.completion.chunk");
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return chunk;
  }

  private ObjectNode usage(String model) {
    ObjectNode chunk = header(model, "chat.completion.chunk");
    chunk.putArray("choices");
    chunk.putObject("usage").put("prompt_tokens", 40).put("completion_tokens", 12).put("total_tokens", 52);
    return chunk;
  }

  private ObjectNode completion(JsonNode body, String toolResult) {
    ObjectNode answer = header(body.path("model").asText(), "chat.completion");
    ObjectNode choice = answer.putArray("choices").addObject().put("index", 0);
    if (toolResult == null) {
      ObjectNode message = toolCallDelta();
      ((ArrayNode) message.get("tool_calls")).forEach(call -> ((ObjectNode) call).remove("index"));
      choice.set("message", message);
      choice.put("finish_reason", "tool_calls");
    } else {
      choice.putObject("message").put("role", "assistant").put("content", ANSWER_PREFIX + toolResult.strip());
      choice.put("finish_reason", "stop");
    }
    answer.putObject("usage").put("prompt_tokens", 40).put("completion_tokens", 12).put("total_tokens", 52);
    return answer;
  }

  private ObjectNode header(String model, String object) {
    return json.createObjectNode().put("id", "chatcmpl-e2e").put("object", object)
        .put("created", System.currentTimeMillis() / 1000).put("model", model);
  }

  private void event(Response response, ObjectNode data) throws IOException {
    write(response, false, "data: " + json.writeValueAsString(data) + "\n\n");
  }

  private static void write(Response response, boolean last, String text) throws IOException {
    try (Blocker.Callback written = Blocker.callback()) {
      response.write(last, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), written);
      written.block();
    }
  }

  private static void send(Response response, Callback callback, int status, String type, String text) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.write(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
  }

  static String sha256(String text) {
    if (text == null) {
      return "";
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A key store holding the PEM certificate and its PKCS#8 EC key, as openssl wrote them. */
  private static KeyStore keyStore(Path certificate, Path key, char[] password) throws Exception {
    Certificate cert;
    try (var in = Files.newInputStream(certificate)) {
      cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    String pem = Files.readString(key).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PrivateKey privateKey = KeyFactory.getInstance("EC")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("server", privateKey, password, new Certificate[] {cert});
    return store;
  }
}
