package dev.clincher.gateway.sandbox.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * A small client for the slice of the Docker Engine API a sandbox manager needs (exactly what the socket proxy's
 * sandbox profile opens): ping, container create/start/inspect/list/kill/remove/attach, exec create/start/inspect,
 * image inspect (of the sandbox image). One
 * connection per call, {@code Connection: close}, every call bounded in time and response size. Exec start uses a
 * hijacked connection ({@code Upgrade: tcp}) and the strict {@link StreamDemuxer}. Thread-safe.
 */
public final class DockerClient {
  private static final String API = "/v1.41";
  private static final int MAX_JSON_BODY = 8 * 1024 * 1024;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  /** Docker's own rule for volume names. */
  private static final Pattern VOLUME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,254}");
  /** An image reference ({@code registry:5000/team/name:tag@sha256:…}): path segments without dot segments. */
  private static final Pattern IMAGE =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:@+-]*(/[A-Za-z0-9][A-Za-z0-9_.:@+-]*)*");
  private static final int MAX_IMAGE_LENGTH = 512;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DockerHost host;
  private final Duration callTimeout;

  /** What an exec stream delivered, and whether the deadline cut it off. */
  public record ExecOutput(StreamDemuxer.Output output, boolean timedOut) {}

  /**
   * @param host where the Docker API listens
   * @param callTimeout the bound of every non-streaming call (connect, request and response)
   */
  public DockerClient(DockerHost host, Duration callTimeout) {
    this.host = host;
    this.callTimeout = callTimeout;
  }

  public DockerHost host() {
    return host;
  }

  /** Whether the API answers {@code GET /_ping} with OK. */
  public boolean ping() {
    try {
      HttpResponse response = call("GET", "/_ping", null);
      return response.status() == 200 && response.bodyText().trim().equals("OK");
    } catch (IOException e) {
      return false;
    }
  }

  /** Creates a container and returns its full ID. */
  public String createContainer(String name, ObjectNode body) throws IOException {
    JsonNode created = json(checked(call("POST", "/containers/create?name=" + encode(id(name)), body)));
    String id = created.path("Id").asText("");
    if (!ID.matcher(id).matches()) {
      throw new IOException("Docker returned no container ID");
    }
    return id;
  }

  public void startContainer(String id) throws IOException {
    HttpResponse response = call("POST", "/containers/" + id(id) + "/start", null);
    if (response.status() != 304) {
      checked(response);
    }
  }

  /** The container's inspect document, or empty when it does not exist. */
  public Optional<JsonNode> inspectContainer(String id) throws IOException {
    HttpResponse response = call("GET", "/containers/" + id(id) + "/json", null);
    if (response.status() == 404) {
      return Optional.empty();
    }
    return Optional.of(json(checked(response)));
  }

  /** Whether Docker has an image of this name ({@code GET /images/{name}/json}); other errors are thrown. */
  public boolean imageExists(String reference) throws IOException {
    if (!isImageReference(reference)) {
      throw new IllegalArgumentException("not an image reference: " + reference);
    }
    HttpResponse response = call("GET", "/images/" + reference + "/json", null);
    if (response.status() == 404) {
      return false;
    }
    checked(response);
    return true;
  }

  /** Whether {@code reference} is safe in a request path and shaped like an image reference. */
  public static boolean isImageReference(String reference) {
    return reference != null && reference.length() <= MAX_IMAGE_LENGTH && IMAGE.matcher(reference).matches();
  }

  /** All containers (running or not) carrying every {@code name=value} label given. */
  public List<JsonNode> listContainers(Map<String, String> labels) throws IOException {
    ObjectNode filters = JSON.createObjectNode();
    ArrayNode label = filters.putArray("label");
    labels.forEach((name, value) -> label.add(name + "=" + value));
    JsonNode list = json(checked(call("GET", "/containers/json?all=1&filters=" + encode(filters.toString()),
        null)));
    List<JsonNode> containers = new ArrayList<>();
    list.forEach(containers::add);
    return containers;
  }

  /** The names of the volumes whose name starts with {@code prefix} (Docker's own name filter matches substrings). */
  public List<String> listVolumes(String prefix) throws IOException {
    ObjectNode filters = JSON.createObjectNode();
    filters.putArray("name").add(prefix);
    JsonNode list = json(checked(call("GET", "/volumes?filters=" + encode(filters.toString()), null)));
    List<String> names = new ArrayList<>();
    list.path("Volumes").forEach(volume -> {
      String name = volume.path("Name").asText();
      if (name.startsWith(prefix)) {
        names.add(name);
      }
    });
    return names;
  }

  /** Removes a named volume; a volume that is gone already is fine, one still in use is an error. */
  public void removeVolume(String name) throws IOException {
    if (!VOLUME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a volume name: " + name);
    }
    HttpResponse response = call("DELETE", "/volumes/" + name, null);
    if (response.status() != 404) {
      checked(response);
    }
  }

  /** Removes a container, killing it first ({@code force}); {@code volumes} also removes its anonymous volumes. */
  public void removeContainer(String id, boolean volumes) throws IOException {
    HttpResponse response = call("DELETE", "/containers/" + id(id) + "?force=1&v=" + (volumes ? 1 : 0), null);
    if (response.status() != 404) {
      checked(response);
    }
  }

  /**
   * Creates an exec instance.
   *
   * @param user the user to run as ({@code uid:gid}); the socket proxy refuses root
   * @param workdir the working directory, or {@code null} for the container's
   * @param stdin whether stdin is attached
   */
  public String createExec(String containerId, List<String> argv, String user, String workdir, boolean stdin)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("AttachStdin", stdin).put("AttachStdout", true).put("AttachStderr", true).put("Tty", false);
    body.put("User", user);
    if (workdir != null) {
      body.put("WorkingDir", workdir);
    }
    ArrayNode cmd = body.putArray("Cmd");
    argv.forEach(cmd::add);
    String id = json(checked(call("POST", "/containers/" + id(containerId) + "/exec", body))).path("Id").asText("");
    if (!ID.matcher(id).matches()) {
      throw new IOException("Docker returned no exec ID");
    }
    return id;
  }

  /** The exec's inspect document ({@code Running}, {@code ExitCode}, {@code Pid}). */
  public JsonNode inspectExec(String execId) throws IOException {
    return json(checked(call("GET", "/exec/" + id(execId) + "/json", null)));
  }

  /**
   * Starts an exec on a hijacked connection: writes {@code stdin} (then half-closes), and reads the multiplexed
   * output until Docker closes the stream or {@code timeout} passes, whichever comes first. On timeout the
   * connection is closed and the result says so; the caller kills the process (Docker has no exec kill).
   */
  public ExecOutput startExec(String execId, byte[] stdin, int cap, Duration timeout)
      throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("Detach", false).put("Tty", false);
    StreamDemuxer demuxer = new StreamDemuxer(cap);
    try (DockerConnection connection = host.connect(callTimeout)) {
      connection.deadline(timeout);
      try {
        writeRequest(connection.out(), "POST", "/exec/" + id(execId) + "/start", body, true);
        HttpResponse head = HttpResponse.readHead(connection.in());
        if (head.status() != 101 && head.status() != 200) {
          HttpResponse rest = head.withBody(connection.in(), 64 * 1024);
          throw new DockerException(head.status(), message(head.status(), rest.body()));
        }
        CompletableFuture<Void> writer = writeStdin(connection, stdin);
        StreamDemuxer.Output output = demuxer.readAll(connection.in());
        writer.cancel(true);
        return new ExecOutput(output, false);
      } catch (IOException e) {
        if (connection.expired()) {
          return new ExecOutput(demuxer.output(), true);
        }
        throw e;
      }
    }
  }

  /**
   * Attaches to a container's stdin, stdout and stderr on a hijacked connection, which stays open (no deadline)
   * until the caller closes it or the container ends. Works before the container is started, so nothing it prints
   * is missed. The container needs {@code OpenStdin} for stdin to reach it.
   */
  public Attachment attach(String containerId) throws IOException {
    DockerConnection connection = host.connect(callTimeout);
    try {
      connection.deadline(callTimeout);
      writeRequest(connection.out(), "POST", "/containers/" + id(containerId)
          + "/attach?stream=1&stdin=1&stdout=1&stderr=1", null, true);
      HttpResponse head = HttpResponse.readHead(connection.in());
      if (head.status() != 101 && head.status() != 200) {
        HttpResponse rest = head.withBody(connection.in(), 64 * 1024);
        throw new DockerException(head.status(), message(head.status(), rest.body()));
      }
      connection.noDeadline();
      return new Attachment(connection);
    } catch (IOException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** Writes stdin on its own virtual thread (so a command printing before it reads cannot deadlock us). */
  private static CompletableFuture<Void> writeStdin(DockerConnection connection, byte[] stdin) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread.ofVirtual().name("clincher-exec-stdin").start(() -> {
      try {
        if (stdin != null) {
          connection.out().write(stdin);
        }
        connection.shutdownOutput();
        done.complete(null);
      } catch (IOException e) {
        done.completeExceptionally(e);
      }
    });
    return done;
  }

  private HttpResponse call(String method, String path, JsonNode body) throws IOException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException("interrupted before a Docker call");
    }
    try (DockerConnection connection = host.connect(callTimeout)) {
      connection.deadline(callTimeout);
      try {
        writeRequest(connection.out(), method, path, body, false);
        return HttpResponse.read(connection.in(), MAX_JSON_BODY);
      } catch (IOException e) {
        if (connection.expired()) {
          throw new IOException("Docker did not answer " + method + " " + path.replaceAll("\\?.*", "")
              + " within " + callTimeout.toSeconds() + "s");
        }
        throw e;
      }
    }
  }

  private void writeRequest(OutputStream out, String method, String path, JsonNode body, boolean upgrade)
      throws IOException {
    byte[] bytes = body == null ? null : JSON.writeValueAsBytes(body);
    StringBuilder head = new StringBuilder(method).append(' ').append(API).append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(host.hostHeader()).append("\r\n")
        .append("User-Agent: clincher-gateway\r\n");
    head.append(upgrade ? "Connection: Upgrade\r\nUpgrade: tcp\r\n" : "Connection: close\r\n");
    if (bytes != null) {
      head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
    } else if (!method.equals("GET")) {
      head.append("Content-Length: 0\r\n");
    }
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    if (bytes != null) {
      out.write(bytes);
    }
    out.flush();
  }

  private static HttpResponse checked(HttpResponse response) throws DockerException {
    if (response.status() >= 400) {
      throw new DockerException(response.status(), message(response.status(), response.body()));
    }
    return response;
  }

  /** Docker's {@code {"message": …}} (the socket proxy answers in the same shape), bounded for logs. */
  private static String message(int status, byte[] body) {
    String text;
    try {
      text = JSON.readTree(body).path("message").asText("");
    } catch (IOException e) {
      text = "";
    }
    if (text.isEmpty()) {
      text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).trim();
    }
    text = text.length() > 500 ? text.substring(0, 500) + "…" : text;
    return "Docker answered " + status + (text.isEmpty() ? "" : ": " + text);
  }

  private static JsonNode json(HttpResponse response) throws IOException {
    return JSON.readTree(response.body());
  }

  /** IDs and names go into the path: one safe segment only. */
  private static String id(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("not a container or exec ID: " + id);
    }
    return id;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
