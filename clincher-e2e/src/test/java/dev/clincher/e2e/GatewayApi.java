package dev.clincher.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.e2e.Commands.Result;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's API as a user reaches it: through caddy, over HTTPS verified against caddy's own CA, with curl. The
 * token travels in a header file (curl's {@code -H @file}), never on a command line.
 */
final class GatewayApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Stack stack;
  private final Path authorization;

  GatewayApi(Stack stack, Path work) throws IOException {
    this.stack = stack;
    this.authorization = work.resolve("authorization.header");
    Files.deleteIfExists(authorization);
    Files.createFile(authorization, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(authorization, "Authorization: Bearer " + stack.secret("gateway_token") + "\n");
  }

  /** Caddy's root certificate (tls internal), from its data directory. */
  Path caddyRoot() {
    return stack.directory.resolve("data/caddy/caddy/pki/authorities/local/root.crt");
  }

  String url(String path) {
    return "https://" + Stack.DOMAIN + path;
  }

  /** One request; the last line of {@code out} is the HTTP status (curl's -w). */
  Result request(String method, String path, String body, boolean withToken) {
    List<String> argv = curl();
    argv.addAll(List.of("-X", method, "-w", "\n%{http_code}", "-H", "Content-Type: application/json"));
    if (withToken) {
      argv.addAll(List.of("-H", "@" + authorization));
    }
    if (body != null) {
      argv.addAll(List.of("--data-binary", body));
    }
    argv.add(url(path));
    return Commands.run(Duration.ofSeconds(60), argv);
  }

  static int status(Result result) {
    List<String> lines = Stack.lines(result.out());
    return lines.isEmpty() ? -1 : Integer.parseInt(lines.getLast());
  }

  static JsonNode body(Result result) throws IOException {
    String out = result.out().strip();
    return JSON.readTree(out.substring(0, out.lastIndexOf('\n')));
  }

  /** A streamed request (SSE): its lines arrive in a queue as curl prints them. */
  LineStream stream(String path, String body) throws IOException {
    List<String> argv = curl();
    argv.addAll(List.of("-N", "-X", "POST", "-H", "Content-Type: application/json", "-H", "Accept: text/event-stream",
        "-H", "@" + authorization, "--data-binary", body, url(path)));
    return new LineStream(new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start());
  }

  private List<String> curl() {
    return new ArrayList<>(List.of("curl", "-sS", "--max-time", "120", "--resolve",
        Stack.DOMAIN + ":443:" + stack.publicAddress(), "--cacert", caddyRoot().toString()));
  }

  /** The output lines of a running curl, read by a thread of their own; bounded waits only. */
  static final class LineStream implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    LineStream(Process process) {
      this.process = process;
      Thread.ofPlatform().daemon().name("sse-reader").start(() -> {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lines.add(line);
          }
        } catch (IOException e) {
          lines.add("[read failed: " + e.getMessage() + "]");
        }
        lines.add("[end]");
      });
    }

    /** The next line, or null when none arrives within {@code timeout}. */
    String next(Duration timeout) throws InterruptedException {
      return lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}
