package dev.clincher.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.gateway.sandbox.DockerTestSupport;
import dev.clincher.gateway.testing.RunningGateway;
import dev.clincher.gateway.testing.ScriptedModel;
import dev.clincher.gateway.testing.ScriptedProvider;
import dev.clincher.gateway.testing.SseEvents;
import dev.clincher.router.testing.RunningRouter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a gateway in the middle of a run: every event a client saw is in the transcript after the
 * restart, the run is marked interrupted, and the session goes on (the cut-off tool call gets a synthetic result).
 */
@Timeout(180)
class GatewayCrashTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void killNineMidRunKeepsTheTranscript(@TempDir Path directory) throws Exception {
    try (DockerTestSupport docker = DockerTestSupport.start();
        ScriptedProvider provider = ScriptedProvider.start(request -> ScriptedModel.text("unused"));
        RunningRouter router = provider.router(directory)) {
      // first step: a tool call whose command outlives the kill; the model never gets to answer
      provider.script(request -> request.toString().contains("call_sleep")
          ? ScriptedModel.text("after the restart")
          : ScriptedModel.toolCall("call_sleep", "exec", "{\"command\":\"echo started; sleep 60\"}"));
      Path config = directory.resolve("gateway.yaml");
      Files.writeString(config, """
          router: {url: "%s"}
          storage: {url: "jdbc:sqlite:%s"}
          docker: {host: "tcp://127.0.0.1:%d"}
          sandbox: {image: "%s", instance: "%s"}
          agents:
            main: {model: scripted, system_prompt: You are a test agent.}
          """.formatted(router.baseUrl(), directory.resolve("gateway.db"), docker.proxied.host().port(),
          DockerTestSupport.IMAGE, docker.instance));
      var settings = RunningGateway.settings(directory, config, Map.of());
      Process child = startChild(config, settings.env());
      try {
        int port = readPort(child);
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port;
        String session = JSON.readTree(client.send(authorized(base + "/v1/sessions")
            .POST(HttpRequest.BodyPublishers.ofString("{\"agent\":\"main\"}")).build(),
            HttpResponse.BodyHandlers.ofString()).body()).path("id").asText();
        // read the SSE stream until the tool call has started, then kill -9 the gateway
        HttpResponse<java.io.InputStream> stream = client.send(authorized(base + "/v1/sessions/" + session
            + "/messages").POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"sleep\"}")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
        List<String> seen = readUntil(stream.body(), "tool_call");
        child.destroyForcibly(); // SIGKILL on Linux
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

        try (RunningGateway restarted = RunningGateway.restart(settings)) {
          JsonNode transcript = JSON.readTree(restarted.get("/v1/sessions/" + session + "/events").body());
          List<String> types = new ArrayList<>();
          transcript.path("events").forEach(event -> types.add(event.path("type").asText()));
          assertThat(types).startsWith(seen.toArray(String[]::new));
          assertThat(types).endsWith("run_interrupted");
          // the session goes on: the cut-off call is closed for the model and the new run completes
          HttpResponse<String> next = restarted.post("/v1/sessions/" + session + "/messages",
              "{\"content\":\"are you back?\"}");
          List<JsonNode> events = SseEvents.parse(next.body());
          assertThat(events.getLast().path("data").path("reason").asText()).isEqualTo("completed");
          JsonNode lastRequest = provider.requests().getLast();
          assertThat(lastRequest.toString()).contains("call_sleep").contains("interrupted");
        }
      } finally {
        child.destroyForcibly();
      }
    }
  }

  static HttpRequest.Builder authorized(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + RunningGateway.TOKEN);
  }

  static Process startChild(Path config, Map<String, String> env) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        GatewayChild.class.getName(), config.toString()).redirectErrorStream(true);
    builder.environment().putAll(env);
    return builder.start();
  }

  static int readPort(Process child) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      if (line.startsWith("PORT ")) {
        Thread.ofVirtual().start(() -> drain(out));
        return Integer.parseInt(line.substring(5).trim());
      }
    }
    throw new AssertionError("the child gateway did not start");
  }

  private static void drain(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // keep the child's stdout flowing
      }
    } catch (java.io.IOException ignored) {
      // the child was killed
    }
  }

  /** Reads SSE events until one of {@code type} arrived; returns the types seen. */
  static List<String> readUntil(java.io.InputStream body, String type) throws Exception {
    BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    List<String> types = new ArrayList<>();
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.startsWith("event: ")) {
        types.add(line.substring(7));
        if (line.substring(7).equals(type)) {
          return types;
        }
      }
    }
    throw new AssertionError("the stream ended before " + type + "; saw " + types);
  }
}
