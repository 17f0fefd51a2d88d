package dev.clincher.socketproxy.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.http1.BadRequestException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The proxy's own small Docker client, for the questions it asks before forwarding: is Docker up ({@code _ping}),
 * and which container is this (inspect). One short connection per question.
 */
public final class DockerApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

  private final Path socket;

  public DockerApi(Path socket) {
    this.socket = socket;
  }

  /** A container's full ID and labels, or empty if Docker does not know it. */
  public Optional<JsonNode> inspectContainer(String idOrName) throws IOException {
    return getJson("/containers/" + encode(idOrName) + "/json");
  }

  /** An exec instance, or empty if Docker does not know it. */
  public Optional<JsonNode> inspectExec(String id) throws IOException {
    return getJson("/exec/" + encode(id) + "/json");
  }

  /** Whether Docker answers {@code GET /_ping} with 200. */
  public boolean ping() throws IOException {
    return get("/_ping").status() == 200;
  }

  private Optional<JsonNode> getJson(String path) throws IOException {
    Reply reply = get(path);
    if (reply.status() == 404) {
      return Optional.empty();
    }
    if (reply.status() != 200) {
      throw new IOException("Docker answered " + reply.status() + " to " + path);
    }
    return Optional.of(JSON.readTree(reply.body()));
  }

  private record Reply(int status, byte[] body) {}

  private Reply get(String path) throws IOException {
    try (Upstream upstream = Upstream.connect(socket)) {
      String request = "GET " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
      upstream.output().write(request.getBytes(StandardCharsets.US_ASCII));
      ResponseHead head = ResponseHead.parse(upstream.input().readHead(64 * 1024));
      return new Reply(head.status(), readBody(head, upstream.input()));
    } catch (BadRequestException e) {
      throw new IOException("malformed response from Docker: " + e.getMessage(), e);
    }
  }

  private static byte[] readBody(ResponseHead head, ByteInput input) throws IOException, BadRequestException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    BoundedOutput bounded = new BoundedOutput(body, MAX_RESPONSE_BYTES);
    if (head.hasToken("Transfer-Encoding", "chunked")) {
      Chunked.copyResponse(input, bounded);
    } else if (head.header("Content-Length").isPresent()) {
      input.copyExactly(Long.parseLong(head.header("Content-Length").get()), bounded);
    } else {
      input.copyToEnd(bounded);
    }
    return body.toByteArray();
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8);
  }

  /** Fails once more than the limit was written. */
  private static final class BoundedOutput extends java.io.OutputStream {
    private final java.io.OutputStream out;
    private final long limit;
    private long written;

    BoundedOutput(java.io.OutputStream out, long limit) {
      this.out = out;
      this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      written += length;
      if (written > limit) {
        throw new IOException("response from Docker larger than " + limit + " bytes");
      }
      out.write(bytes, offset, length);
    }
  }
}
