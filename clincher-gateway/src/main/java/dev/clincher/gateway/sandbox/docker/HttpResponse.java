package dev.clincher.gateway.sandbox.docker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A strictly read HTTP/1.1 response from the Docker API: a bounded head (status line and at most
 * {@value #MAX_HEADERS} headers in {@value #MAX_HEAD_BYTES} bytes) and, for non-hijacked calls, a bounded body
 * framed by Content-Length, chunked encoding or the end of the connection.
 *
 * @param status the status code
 * @param headers lower-case header names to values (the last one wins)
 * @param body the decoded body; empty for heads read with {@link #readHead}
 */
record HttpResponse(int status, Map<String, String> headers, byte[] body) {
  static final int MAX_HEAD_BYTES = 64 * 1024;
  static final int MAX_HEADERS = 100;

  String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** Reads the head only, leaving the stream at the first body byte (for the hijacked exec stream). */
  static HttpResponse readHead(InputStream in) throws IOException {
    String statusLine = line(in, new int[] {MAX_HEAD_BYTES});
    int[] budget = {MAX_HEAD_BYTES - statusLine.length()};
    if (!statusLine.matches("HTTP/1\\.[01] [1-5][0-9][0-9]( .*)?")) {
      throw new IOException("malformed status line from Docker");
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    Map<String, String> headers = new TreeMap<>();
    for (int count = 0; ; count++) {
      String header = line(in, budget);
      if (header.isEmpty()) {
        return new HttpResponse(status, headers, new byte[0]);
      }
      int colon = header.indexOf(':');
      if (count >= MAX_HEADERS || colon <= 0) {
        throw new IOException("malformed or too many headers from Docker");
      }
      headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
    }
  }

  /** Reads a whole response, the body at most {@code maxBody} bytes. */
  static HttpResponse read(InputStream in, int maxBody) throws IOException {
    return readHead(in).withBody(in, maxBody);
  }

  /** Reads the body that follows this head, at most {@code maxBody} bytes. */
  HttpResponse withBody(InputStream in, int maxBody) throws IOException {
    HttpResponse head = this;
    byte[] body;
    String length = head.headers.get("content-length");
    if ("chunked".equalsIgnoreCase(head.headers.getOrDefault("transfer-encoding", ""))) {
      body = chunked(in, maxBody);
    } else if (length != null) {
      if (!length.matches("[0-9]{1,10}") || Long.parseLong(length) > maxBody) {
        throw new IOException("Docker response body too large or malformed length");
      }
      body = in.readNBytes(Integer.parseInt(length));
      if (body.length != Integer.parseInt(length)) {
        throw new IOException("Docker closed the connection mid-body");
      }
    } else if (head.status == 204 || head.status == 304) {
      body = new byte[0];
    } else {
      body = in.readNBytes(maxBody + 1);
      if (body.length > maxBody) {
        throw new IOException("Docker response body too large");
      }
    }
    return new HttpResponse(head.status, head.headers, body);
  }

  private static byte[] chunked(InputStream in, int maxBody) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int[] budget = {MAX_HEAD_BYTES};
    while (true) {
      String sizeLine = line(in, budget);
      int semicolon = sizeLine.indexOf(';');
      String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim();
      if (!hex.matches("[0-9a-fA-F]{1,7}")) {
        throw new IOException("malformed chunk size from Docker");
      }
      int size = Integer.parseInt(hex, 16);
      if (size == 0) {
        while (!line(in, budget).isEmpty()) {
          // trailers are read and ignored
        }
        return body.toByteArray();
      }
      if (body.size() + (long) size > maxBody) {
        throw new IOException("Docker response body too large");
      }
      byte[] chunk = in.readNBytes(size);
      if (chunk.length != size || !line(in, budget).isEmpty()) {
        throw new IOException("malformed chunk from Docker");
      }
      body.write(chunk);
    }
  }

  /** One CRLF-terminated line (a bare LF is accepted), charged against the remaining head budget. */
  private static String line(InputStream in, int[] budget) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("Docker closed the connection mid-head");
      }
      if (--budget[0] < 0) {
        throw new IOException("Docker response head too large");
      }
      if (b == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
      }
      line.append((char) b);
    }
  }
}
