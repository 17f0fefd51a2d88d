package dev.clincher.router.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP/1.1 over a plain socket, for tests that need control of the connection: keep-alive, pipelining, closing while
 * the router works. Answers are read with {@code Content-Length} framing (the router's non-streamed answers).
 */
public final class RawHttp {
  private RawHttp() {}

  /** An answer as read from the wire. */
  public record Answer(int status, Map<String, String> headers, String body) {
    public Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }
  }

  /** A keep-alive {@code POST} of {@code json} with the master key, as bytes to write. */
  public static byte[] post(String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + RunningRouter.MASTER_KEY
        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
    byte[] request = new byte[head.length() + body.length];
    System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, request, 0, head.length());
    System.arraycopy(body, 0, request, head.length(), body.length);
    return request;
  }

  /** The next answer on {@code socket}, or empty when the connection ended before one began. */
  public static Optional<Answer> read(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    String[] lines = readHead(in);
    if (lines == null) {
      return Optional.empty();
    }
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = headers(lines);
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new IOException("connection ended inside an answer's body");
    }
    return Optional.of(new Answer(status, headers, new String(body, StandardCharsets.UTF_8)));
  }

  /** The lines of a message's head up to its blank line, or null when the stream ended before the head began. */
  static String[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new IOException("connection ended inside a message's head: " + head);
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
  }

  /** The header fields of a head's lines (after the first), names in lower case. */
  static Map<String, String> headers(String[] lines) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    return headers;
  }
}
