package dev.clincher.socketproxy.proxy;

import dev.clincher.common.http1.BadRequestException;
import dev.clincher.common.http1.RequestHead;
import dev.clincher.common.http1.RequestHeadParser;
import dev.clincher.socketproxy.inspect.BodyDeniedException;
import dev.clincher.socketproxy.policy.ApiPath;
import dev.clincher.socketproxy.policy.BodyKind;
import dev.clincher.socketproxy.policy.Endpoint;
import dev.clincher.socketproxy.policy.PathRejectedException;
import dev.clincher.socketproxy.policy.Verdict;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads requests one after another (keep-alive, pipelining), decides each, and forwards
 * the allowed ones to Docker over one upstream connection.
 *
 * <p>Per request: parse the head strictly, settle the body framing, answer the proxy's own endpoints, decode and
 * check the path, ask the policy, read and inspect creation bodies, apply the sandbox checks (label on the
 * container, label filter on listings), then forward. Any denial answers with an error and closes the connection,
 * so nothing the client sent after a refused request is ever read as a request.
 */
final class ClientConnection {
  private static final Logger LOG = LoggerFactory.getLogger("clincher.socketproxy");

  /** What happens to the connection after an exchange. */
  private enum After { KEEP_ALIVE, CLOSE }

  /** The request target split at the first {@code ?}. */
  private record Target(String path, String query) {
    static Target of(String target) throws BadRequestException {
      if (!target.startsWith("/") || target.indexOf('#') >= 0) {
        throw BadRequestException.malformed("only origin-form request targets (/path?query) are served");
      }
      int question = target.indexOf('?');
      return question < 0 ? new Target(target, "") : new Target(target.substring(0, question),
          target.substring(question + 1));
    }

    String withQuery(String path) {
      return query.isEmpty() ? path : path + "?" + query;
    }
  }

  private final ProxyContext context;
  private final Socket socket;
  private final RequestHeadParser parser;
  private Upstream upstream;

  ClientConnection(ProxyContext context, Socket socket) {
    this.context = context;
    this.socket = socket;
    this.parser = new RequestHeadParser(context.limits().maxHeaders());
  }

  /** Serves the connection until it closes; never throws. */
  void serve() {
    try (socket) {
      socket.setTcpNoDelay(true);
      ClientSource source = new ClientSource(socket);
      ByteInput in = new ByteInput(source);
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
      while (waitForRequest(source, in) && exchange(source, in, out) == After.KEEP_ALIVE) {
        // next request on the same connection
      }
    } catch (IOException e) {
      LOG.atDebug().addKeyValue("error", e.toString()).log("socketproxy.client_io_error");
    } finally {
      closeUpstream();
    }
  }

  private boolean waitForRequest(ClientSource source, ByteInput in) throws IOException {
    source.idle(context.limits().idleTimeout());
    try {
      return in.awaitData();
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** One request and its answer, timed from its first byte to its last answered byte. */
  private After exchange(ClientSource source, ByteInput in, OutputStream out) throws IOException {
    long started = System.nanoTime();
    try {
      return exchangeOnce(source, in, out);
    } finally {
      context.decisions().requestDone(System.nanoTime() - started);
    }
  }

  private After exchangeOnce(ClientSource source, ByteInput in, OutputStream out) throws IOException {
    String id = newId();
    RequestHead head = null;
    String loggedPath = "";
    try {
      source.deadline(context.limits().headTimeout());
      head = readHead(in);
      Framing framing = Framing.of(head);
      Target target = Target.of(head.target());
      loggedPath = target.path();
      if (LocalEndpoints.handles(target.path())) {
        answer(out, context.local().respond(head.method(), target.path(), head.header("Authorization")));
        return After.CLOSE;
      }
      return decideAndForward(id, head, framing, target, source, in, out);
    } catch (Denied denied) {
      String method = head == null ? "" : head.method();
      context.decisions().deny(id, method, loggedPath, "", denied.rule(), denied.getMessage(), denied.status());
      answer(out, Responses.error(denied.status(), denied.rule(), denied.getMessage(), isHead(head)));
      return After.CLOSE;
    } catch (BadRequestException e) {
      String method = head == null ? "" : head.method();
      context.decisions().deny(id, method, loggedPath, "", e.reason(), e.getMessage(), e.status());
      answer(out, Responses.error(e.status(), e.reason(), e.getMessage(), isHead(head)));
      return After.CLOSE;
    }
  }

  private RequestHead readHead(ByteInput in) throws IOException, BadRequestException {
    try {
      byte[] bytes = in.readHead(context.limits().maxHeadBytes());
      return parser.parse(bytes, bytes.length);
    } catch (SocketTimeoutException e) {
      throw new BadRequestException(408, "head_timeout", "request head not received in time");
    }
  }

  private After decideAndForward(String id, RequestHead head, Framing framing, Target target, ClientSource source,
      ByteInput in, OutputStream out) throws IOException, BadRequestException, Denied {
    ApiPath path = parsePath(target.path());
    Verdict verdict = context.policy().decide(head.method(), path);
    if (!verdict.allowed()) {
      String op = verdict.endpoint().map(Endpoint::op).orElse("");
      context.decisions().deny(id, head.method(), path.toString(), op, verdict.rule(), verdict.reason(), 403);
      answer(out, Responses.error(403, verdict.rule(), verdict.reason(), isHead(head)));
      return After.CLOSE;
    }
    Endpoint endpoint = verdict.endpoint().orElseThrow();
    byte[] body = readInspectedBody(endpoint, head, framing, source, in, out);
    String forwardTarget = confine(endpoint, path, target);
    context.decisions().allow(id, head.method(), path.toString(), endpoint.op(), verdict.rule());
    boolean keepAlive = new Forwarder(context, socket, source, in, out).forward(this::upstream,
        this::closeUpstream, head, endpoint, forwardTarget, framing, body, wantsKeepAlive(head));
    return keepAlive ? After.KEEP_ALIVE : After.CLOSE;
  }

  private static ApiPath parsePath(String rawPath) throws Denied {
    try {
      return ApiPath.parse(rawPath);
    } catch (PathRejectedException e) {
      throw Denied.forbidden("ambiguous_path", e.getMessage());
    }
  }

  /**
   * Reads and judges a creation body; returns it (to be forwarded as read) or null for endpoints whose body is
   * streamed. Endpoints that take no body refuse one.
   */
  private byte[] readInspectedBody(Endpoint endpoint, RequestHead head, Framing framing, ClientSource source,
      ByteInput in, OutputStream out) throws IOException, BadRequestException, Denied {
    BodyKind kind = endpoint.body();
    if (kind == BodyKind.NONE && framing.hasBody()) {
      throw Denied.forbidden("unexpected_body", endpoint.op() + " takes no request body");
    }
    if (kind != BodyKind.CONTAINER_CREATE && kind != BodyKind.EXEC_CREATE) {
      return null;
    }
    acceptExpectation(head, out);
    byte[] body = readFully(framing, source, in);
    try {
      if (kind == BodyKind.CONTAINER_CREATE) {
        context.containerCreate().inspect(body);
      } else {
        context.execCreate().inspect(body);
      }
    } catch (BodyDeniedException e) {
      throw Denied.forbidden(e.rule(), e.getMessage());
    }
    return body;
  }

  private byte[] readFully(Framing framing, ClientSource source, ByteInput in)
      throws IOException, BadRequestException {
    int max = context.limits().maxBodyBytes();
    source.deadline(context.limits().bodyTimeout());
    try {
      if (framing.chunked()) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Chunked.decodeRequest(in, body, max);
        return body.toByteArray();
      }
      if (framing.length() > max) {
        throw new BadRequestException(413, "body_too_large", "the body is larger than " + max + " bytes");
      }
      return in.readExactly((int) framing.length());
    } catch (SocketTimeoutException e) {
      throw new BadRequestException(408, "body_timeout", "request body not received in time");
    }
  }

  /** Answers {@code Expect: 100-continue} before a body is read; other expectations are refused. */
  static void acceptExpectation(RequestHead head, OutputStream out) throws IOException, BadRequestException {
    Optional<String> expect = head.header("Expect");
    if (expect.isEmpty()) {
      return;
    }
    if (!expect.get().equalsIgnoreCase("100-continue")) {
      throw new BadRequestException(417, "expectation_failed", "only Expect: 100-continue is understood");
    }
    out.write(Responses.CONTINUE);
    out.flush();
  }

  /**
   * The sandbox profile's checks before forwarding: the container (or the exec's container) must carry the
   * sandbox label, and is then addressed by its full ID; listings get the label filter. Returns the target to
   * forward.
   */
  private String confine(Endpoint endpoint, ApiPath path, Target target) throws IOException, Denied {
    if (!context.policy().confinesToSandboxes()) {
      return target.withQuery(path.toString());
    }
    String label = context.policy().inspection().label();
    switch (endpoint.subject()) {
      case CONTAINER -> {
        String fullId = context.guard().sandboxId(path.segments().get(1)).orElseThrow(() -> Denied.forbidden(
            "not_a_sandbox", "no such container, or it does not carry the label " + label));
        return target.withQuery(path.withSegment(1, fullId));
      }
      case EXEC -> {
        if (!context.guard().execInSandbox(path.segments().get(1))) {
          throw Denied.forbidden("not_a_sandbox", "no such exec instance in a container labelled " + label);
        }
        return target.withQuery(path.toString());
      }
      case LISTING -> {
        try {
          return path + "?" + context.listings().withLabel(target.query());
        } catch (BodyDeniedException e) {
          throw Denied.forbidden(e.rule(), e.getMessage());
        }
      }
      default -> {
        return target.withQuery(path.toString());
      }
    }
  }

  private static boolean wantsKeepAlive(RequestHead head) {
    if (!head.version().equals("HTTP/1.1")) {
      return false;
    }
    return head.header("Connection").map(value -> !Tokens.contains(value, "close")).orElse(true);
  }

  private Upstream upstream() throws IOException {
    if (upstream == null) {
      upstream = Upstream.connect(context.dockerSocket());
    }
    return upstream;
  }

  private void closeUpstream() {
    if (upstream != null) {
      upstream.close();
      upstream = null;
    }
  }

  private static boolean isHead(RequestHead head) {
    return head != null && head.method().equals("HEAD");
  }

  /**
   * Sends a final response and closes our side, then drains what the client still sends (bounded), so the client
   * reads the response instead of a connection reset.
   */
  private void answer(OutputStream out, byte[] response) {
    try {
      out.write(response);
      out.flush();
      socket.shutdownOutput();
      socket.setSoTimeout(500);
      byte[] sink = new byte[8192];
      long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      int drained = 0;
      while (drained < 1024 * 1024 && System.nanoTime() < deadline) {
        int read = socket.getInputStream().read(sink);
        if (read < 0) {
          return;
        }
        drained += read;
      }
    } catch (IOException ignored) {
      // the client went away; nothing more to tell it
    }
  }

  private static String newId() {
    byte[] bytes = new byte[8];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
