package dev.clincher.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.testing.LogCapture;
import dev.clincher.gateway.sandbox.DockerTestSupport;
import dev.clincher.gateway.testing.RunningGateway;
import dev.clincher.gateway.testing.ScriptedProvider;
import dev.clincher.gateway.testing.SseEvents;
import dev.clincher.router.testing.RunningRouter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway whose {@code sandbox.image} does not exist, all parts real (router, socket proxy in the sandbox profile,
 * dockerd): it starts, says so once with the command that builds the image, stays ready (naming the image in the
 * readiness detail), and a tool call answers with that command instead of Docker's 404. Once the image exists
 * (tagged here from the test image) the next tool call works, without a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class SandboxImageMissingTest {
  static final ObjectMapper JSON = new ObjectMapper();

  final String image = "clincher-sandbox-missing-" + UUID.randomUUID().toString().substring(0, 8) + ":latest";
  final String build = "./clincher sandbox build --offline --image " + image;
  DockerTestSupport docker;
  ScriptedProvider provider;
  RunningRouter router;
  RunningGateway gateway;
  String startLog;

  @BeforeAll
  void start(@TempDir Path directory) throws Exception {
    docker = DockerTestSupport.start();
    provider = ScriptedProvider.start(ScriptedProvider.toolThenAnswer("exec", "{\"command\":\"echo built-at-last\"}",
        "Done."));
    router = provider.router(directory);
    try (LogCapture logs = new LogCapture()) {
      gateway = RunningGateway.start(directory, """
          router: {url: "%s"}
          storage: {url: "jdbc:sqlite:%s"}
          docker: {host: "tcp://127.0.0.1:%d"}
          sandbox: {image: "%s", instance: "%s"}
          agents:
            main: {model: scripted, system_prompt: You are a test agent., max_steps: 4}
          """.formatted(router.baseUrl(), directory.resolve("gateway.db"), docker.proxied.host().port(), image,
          docker.instance), Map.of());
      startLog = logs.text();
    }
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable part : new AutoCloseable[] {gateway, router, provider}) {
      if (part != null) {
        part.close();
      }
    }
    if (docker != null) {
      docker.run("docker", "rmi", image);
      docker.close();
    }
  }

  @Test
  void theStartSaysOnceWhichImageIsMissingAndHowToBuildIt() {
    List<String> lines = startLog.lines().filter(line -> line.contains("gateway.sandbox.image_missing")).toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.getFirst()).contains("\"WARN\"", image, build, "docker build -t " + image + " DIR");
    assertThat(startLog).doesNotContain("gateway.sandbox.image_unchecked");
  }

  @Test
  void aToolCallAnswersWithTheBuildCommandThenWorksOnceTheImageExists() throws Exception {
    String session = gateway.newSession("main");
    JsonNode missing = toolResult(session);
    assertThat(missing.path("error").asBoolean()).isTrue();
    assertThat(missing.path("content").asText())
        .startsWith("exec: the sandbox image " + image + " does not exist on the Docker host")
        .contains(build, "docker build -t " + image + " DIR")
        .doesNotContain("Docker answered", "No such image");
    assertThat(docker.containers()).isEmpty();
    HttpResponse<String> ready = gateway.readiness();
    assertThat(ready.statusCode()).isEqualTo(200); // chat still works: the missing image is a detail, not a failure
    JsonNode dockerCheck = JSON.readTree(ready.body()).path("checks").path("docker");
    assertThat(dockerCheck.path("status").asText()).isEqualTo("healthy");
    assertThat(dockerCheck.path("detail").asText()).contains("the sandbox image " + image + " does not exist", build);

    assertThat(docker.run("docker", "tag", DockerTestSupport.IMAGE, image)).doesNotContain("Error");
    JsonNode works = toolResult(session);
    assertThat(works.path("error").asBoolean()).as(works.toString()).isFalse();
    assertThat(works.path("content").asText()).contains("built-at-last");
    assertThat(gateway.readiness().body()).doesNotContain("does not exist");
  }

  private JsonNode toolResult(String session) throws Exception {
    HttpResponse<String> response = gateway.post("/v1/sessions/" + session + "/messages",
        JSON.createObjectNode().put("content", "run it").toString());
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> events = SseEvents.parse(response.body());
    return SseEvents.ofType(events, "tool_result").getFirst().path("data");
  }
}
