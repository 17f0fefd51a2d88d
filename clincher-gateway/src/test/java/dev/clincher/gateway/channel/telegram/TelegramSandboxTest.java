package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clincher.gateway.sandbox.DockerTestSupport;
import dev.clincher.gateway.testing.RunningGateway;
import dev.clincher.gateway.testing.ScriptedModel;
import dev.clincher.gateway.testing.ScriptedProvider;
import dev.clincher.router.testing.FakeUpstream;
import dev.clincher.router.testing.RunningRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's scenario with every part real but Telegram and the model: a user on the allowlist sends a document,
 * the gateway fetches it through the Bot API and writes it into the session's sandbox (real socket proxy, real
 * dockerd), the model calls {@code exec} to read it, and the answer — built from what the sandbox printed — arrives
 * complete as the final text of one edited Telegram message.
 */
@Timeout(180)
class TelegramSandboxTest {
  static final String USER = "7";
  static final String CONTENT = "hello from a telegram document";

  @TempDir
  Path directory;
  DockerTestSupport docker;
  FakeBotApi fake;
  ScriptedProvider provider;
  RunningRouter router;
  RunningGateway gateway;

  @AfterEach
  void stop() {
    for (AutoCloseable open : new AutoCloseable[] {gateway, router, provider, fake, docker}) {
      try {
        if (open != null) {
          open.close();
        }
      } catch (Exception e) {
        // closing the rest
      }
    }
  }

  /** The model reads the inbox file with exec, then answers with what the tool printed. */
  static FakeUpstream.Stream script(JsonNode request) {
    if (ScriptedProvider.lastRole(request).equals("user")) {
      String userText = request.path("messages").get(request.path("messages").size() - 1).path("content").asText();
      String path = userText.replaceAll("(?s).*workspace at (/workspace/inbox/[^ ]+) .*", "$1");
      return ScriptedModel.toolCalls(new ScriptedModel.Call("c1", "exec", "{\"command\":\"cat " + path + "\"}"));
    }
    JsonNode messages = request.path("messages");
    String printed = messages.get(messages.size() - 1).path("content").asText();
    return new FakeUpstream.Stream(ScriptedModel.text("The", " file", " says: ", printed.contains(CONTENT)
        ? CONTENT : "<not found: " + printed + ">").events(), Duration.ofMillis(200), FakeUpstream.End.DONE);
  }

  @Test
  void aDocumentIsReadInTheSandboxAndTheCompleteAnswerArrivesByEditing() throws Exception {
    docker = DockerTestSupport.start();
    fake = new FakeBotApi();
    provider = ScriptedProvider.start(TelegramSandboxTest::script);
    router = provider.router(directory);
    Path token = Files.writeString(directory.resolve("telegram-token"), FakeBotApi.TOKEN);
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    Path config = Files.writeString(directory.resolve("gateway.yaml"), """
        router: {url: "%s"}
        storage: {url: "jdbc:sqlite:%s"}
        docker: {host: "tcp://127.0.0.1:%d"}
        sandbox: {image: "%s", instance: "%s"}
        egress: {allow_direct: true}
        agents:
          main:
            model: scripted
            system_prompt: You are a test agent.
            max_steps: 4
        channels:
          telegram: {enabled: true, token_file: "%s", api_url: "%s", poll_timeout: 1s, dm_policy: allowlist,
                     allow_from: ["%s"]}
        """.formatted(router.baseUrl(), directory.resolve("gateway.db"), docker.proxied.host().port(),
        DockerTestSupport.IMAGE, docker.instance, token, fake.baseUrl(), USER));
    gateway = RunningGateway.restart(RunningGateway.settings(directory, config, Map.of()));

    byte[] content = (CONTENT + "\n").getBytes(StandardCharsets.UTF_8);
    fake.userSendsDocument(USER, "../notes.txt", "what does it say?",
        new FakeBotApi.StoredFile("documents/file_1.txt", content, true, true), content.length);

    // the first exec may create the sandbox container: a bounded wait longer than the fake's usual 10 s
    for (long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        !lastText().endsWith("The file says: " + CONTENT) && System.nanoTime() < deadline; ) {
      Thread.sleep(50);
    }
    assertThat(lastText()).as("the final text of the reply").endsWith("The file says: " + CONTENT);
    assertThat(lastText()).contains("⚙ exec cat /workspace/inbox/notes.txt");
    assertThat(fake.messages(USER).getLast().versions()).as("streamed by editing one message").hasSizeGreaterThan(1);
    assertThat(docker.containers()).as("the session's sandbox").hasSize(1);
  }

  String lastText() {
    return fake.texts(USER).isEmpty() ? "" : fake.texts(USER).getLast();
  }
}
