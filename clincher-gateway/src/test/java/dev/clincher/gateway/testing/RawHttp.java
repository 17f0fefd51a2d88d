package dev.clincher.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request written byte for byte (so a test can forge {@code Host}, send several {@code Origin}
 * headers, or connect from another loopback address such as 127.0.0.2), and its response. Bounded: 10 s, 1 MiB.
 */
public final class RawHttp {
  /** A response: status, headers as written (name: value), body. */
  public record Response(int status, List<String> headers, String body) {

    /** Every value of header {@code name}, case-insensitive. */
    public List<String> header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headers.stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith(prefix))
          .map(h -> h.substring(prefix.length()).strip()).toList();
    }
  }

  private RawHttp() {}

  /**
   * Sends {@code method path} to {@code 127.0.0.1:port} from {@code from} with exactly these headers (in order;
   * {@code Host} is not added) and {@code body}.
   */
  public static Response send(InetAddress from, int port, String method, String path,
      List<Map.Entry<String, String>> headers, String body) throws Exception {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
      socket.setSoTimeout(10_000);
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
      headers.forEach(h -> head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n"));
      head.append("Content-Length: ").append(bytes.length).append("\r\nConnection: close\r\n\r\n");
      socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      return parse(readAll(socket.getInputStream()));
    }
  }

  private static String readAll(InputStream in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int read;
    while (out.size() < 1024 * 1024 && (read = in.read(buffer)) >= 0) {
      out.write(buffer, 0, read);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static Response parse(String text) {
    int end = text.indexOf("\r\n\r\n");
    String[] lines = text.substring(0, end < 0 ? text.length() : end).split("\r\n");
    List<String> headers = new ArrayList<>(List.of(lines).subList(1, lines.length));
    return new Response(Integer.parseInt(lines[0].split(" ")[1]), headers, end < 0 ? "" : text.substring(end + 4));
  }
}
