package dev.clincher.egress.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Sends raw bytes to the proxy and reads the status line and headers of its answer. */
public final class RawProxyClient {
  private RawProxyClient() {}

  /** The response head as text (status line and headers), up to the empty line. */
  public record Answer(int status, String head) {
    public String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  public static Answer send(InetSocketAddress proxy, String request) throws IOException {
    return send(proxy, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  public static Answer send(InetSocketAddress proxy, byte[] request) throws IOException {
    try (Socket socket = new Socket(proxy.getAddress(), proxy.getPort())) {
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      return readAnswer(socket.getInputStream());
    }
  }

  /** Reads a response head byte by byte, so no tunnel bytes after it are consumed. */
  public static Answer readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int previous3 = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      previous3 = (previous3 << 8 | b) & 0xFFFFFFFF;
      if (previous3 == 0x0D0A0D0A) {
        break;
      }
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    if (text.length() < 12) {
      return new Answer(-1, text);
    }
    return new Answer(Integer.parseInt(text.substring(9, 12)), text);
  }
}
