package dev.clincher.router.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fake provider on loopback (OpenAI's, Anthropic's or Voyage's wire format: the replies say which), speaking raw
 * HTTP/1.1 so the framing is exact and
 * failures can be staged: JSON answers with any status and headers ({@code Retry-After}), SSE streams written one
 * chunk per event ({@code data: {...}\n\n} … {@code data: [DONE]\n\n}) with delays, streams cut off without the
 * terminating chunk, connections reset mid-stream, and calls that never answer. Replies are taken from a queue in order; when it is empty the
 * default reply answers. Every request is recorded.
 */
public final class FakeUpstream implements AutoCloseable {
  /** A request as the fake received it. */
  public record Call(String method, String target, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** What to answer. */
  public sealed interface Reply permits Json, Stream, Events, Delayed, Hang {}

  /**
   * No answer at all: waits up to {@code limit} for the client (the router) to close the connection, which counts as
   * {@link #aborted()}; after {@code limit} the fake closes the connection without answering.
   */
  public record Hang(Duration limit) implements Reply {}

  /** Raw SSE events (e.g. Anthropic's {@code event: …\ndata: …\n\n}), written as given; DONE only closes cleanly. */
  public record Events(List<String> rawEvents, Duration pause, End end) implements Reply {}

  /** {@code reply}, after a pause before the status line (a slow or hung provider). */
  public record Delayed(Duration delay, Reply reply) implements Reply {}

  /** A complete JSON answer. */
  public record Json(int status, Map<String, String> headers, String body) implements Reply {}

  /** How a stream ends. */
  public enum End { DONE, TRUNCATED, RESET }

  /** An SSE answer: the events' data, a pause before each, and how it ends. */
  public record Stream(List<String> events, Duration pause, End end) implements Reply {}

  private final ServerSocket server;
  private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger aborted = new java.util.concurrent.atomic.AtomicInteger();
  private volatile Reply fallback = new Json(200, Map.of(), OpenAiWire.completion("chatcmpl-default", "hello"));

  private FakeUpstream(ServerSocket server) {
    this.server = server;
    Thread.ofVirtual().name("fake-upstream-accept").start(this::acceptLoop);
  }

  public static FakeUpstream start() throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return new FakeUpstream(socket);
  }

  /** A fake speaking HTTPS with {@code tls}'s certificate (HTTP/1.1 only, as some providers' edges do). */
  public static FakeUpstream startTls(javax.net.ssl.SSLContext tls) throws IOException {
    javax.net.ssl.SSLServerSocket socket = (javax.net.ssl.SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
    javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {"http/1.1"});
    socket.setSSLParameters(parameters);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return new FakeUpstream(socket);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port>/v1}, what {@code api_base} should say. */
  public String apiBase() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** {@code https://<host>:<port>/v1}, what {@code api_base} should say for a TLS fake ({@link #startTls}). */
  public String httpsBase(String host) {
    return "https://" + host + ":" + port() + "/v1";
  }

  /** Answers the next requests with {@code replies}, in order. */
  public FakeUpstream then(Reply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  public void setDefault(Reply reply) {
    fallback = reply;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** How many answers broke off because the client (the router) went away while they were written or awaited. */
  public int aborted() {
    return aborted.get();
  }

  public void reset() {
    script.clear();
    calls.clear();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        socket.setTcpNoDelay(true);
        open.add(socket);
        Thread.ofVirtual().name("fake-upstream-conn").start(() -> serve(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      while (true) {
        Call call = readRequest(in);
        if (call == null) {
          return;
        }
        calls.add(call);
        Reply reply = script.poll();
        if (reply == null && call.body().replace(" ", "").contains("\"stream\":true")) {
          reply = new Stream(OpenAiWire.textStream("chatcmpl-default", "hello"), Duration.ZERO, End.DONE);
        }
        boolean keepOpen;
        try {
          keepOpen = answer(socket, out, reply == null ? fallback : reply);
        } catch (IOException e) {
          aborted.incrementAndGet();
          throw e;
        }
        if (!keepOpen) {
          return;
        }
      }
    } catch (IOException e) {
      // The client went away: nothing to do.
    } finally {
      open.remove(socket);
    }
  }

  private static Call readRequest(InputStream in) throws IOException {
    String[] lines = RawHttp.readHead(in);
    if (lines == null) {
      return null;
    }
    String[] requestLine = lines[0].split(" ");
    Map<String, String> headers = RawHttp.headers(lines);
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    return new Call(requestLine[0], requestLine[1], headers, body);
  }

  /** Writes the reply; false when the connection must close afterwards. */
  private static boolean answer(Socket socket, OutputStream out, Reply reply) throws IOException {
    if (reply instanceof Hang hang) {
      return hang(socket, hang.limit());
    }
    if (reply instanceof Delayed delayed) {
      pause(delayed.delay());
      return answer(socket, out, delayed.reply());
    }
    if (reply instanceof Json json) {
      byte[] body = json.body().getBytes(StandardCharsets.UTF_8);
      StringBuilder head = new StringBuilder("HTTP/1.1 " + json.status() + " " + reason(json.status()) + "\r\n")
          .append("Content-Type: application/json\r\n")
          .append("Content-Length: ").append(body.length).append("\r\n");
      json.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      answer.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      answer.write(body);
      out.write(answer.toByteArray());
      out.flush();
      return true;
    }
    List<String> raw = new ArrayList<>();
    Duration pause;
    End end;
    if (reply instanceof Events events) {
      raw.addAll(events.rawEvents());
      pause = events.pause();
      end = events.end();
    } else {
      Stream stream = (Stream) reply;
      stream.events().forEach(data -> raw.add("data: " + data + "\n\n"));
      if (stream.end() == End.DONE) {
        raw.add("data: [DONE]\n\n");
      }
      pause = stream.pause();
      end = stream.end();
    }
    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n"
        + "Cache-Control: no-cache\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    for (String event : raw) {
      pause(pause);
      chunk(out, event);
    }
    switch (end) {
      case DONE -> {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return true;
      }
      case TRUNCATED -> {
        // The JDK client drops bytes it buffered but nobody read yet when the connection ends abruptly, so give the
        // reader time to take what was sent: the point is a cut after data reached the router.
        pause(Duration.ofMillis(300));
        return false; // closes without the terminating chunk and without [DONE]
      }
      case RESET -> {
        pause(Duration.ofMillis(300)); // let the reader take what was sent, then reset mid-stream
        socket.setSoLinger(true, 0); // close sends RST
        return false;
      }
      default -> throw new IllegalStateException();
    }
  }

  /** Reads until the client closes (an IOException, counted as aborted) or {@code limit} passes (false: close). */
  private static boolean hang(Socket socket, Duration limit) throws IOException {
    socket.setSoTimeout((int) Math.max(1, limit.toMillis()));
    InputStream in = socket.getInputStream();
    try {
      while (in.read() >= 0) {
        // a client that sends more while waiting (it should not): keep waiting for the close
      }
    } catch (java.net.SocketTimeoutException e) {
      return false;
    }
    throw new IOException("the client closed the connection while the fake hung");
  }

  private static void chunk(OutputStream out, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream chunk = new ByteArrayOutputStream();
    chunk.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    chunk.write(bytes);
    chunk.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    out.write(chunk.toByteArray());
    out.flush();
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

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }
}
