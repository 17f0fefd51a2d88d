package dev.clincher.common.http1;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A strict HTTP/1.x request-head parser (RFC 9112), written by hand because the proxy must judge exactly the bytes
 * a client sent and never guess: anything malformed or ambiguous is rejected.
 *
 * <p>Rejected: bare CR or LF, NUL and other control characters, leading empty lines, more or fewer than three
 * request-line parts, non-token methods, targets with non-visible characters, versions other than HTTP/1.0 and
 * HTTP/1.1, whitespace before a header colon, obsolete line folding, empty header names, and duplicates of the
 * header fields whose meaning the proxy relies on ({@code Host}, {@code Content-Length},
 * {@code Transfer-Encoding}).
 */
public final class RequestHeadParser {
  /** Header fields that must appear at most once: a second copy would make the request ambiguous. */
  private static final Set<String> SINGLETONS = Set.of("host", "content-length", "transfer-encoding");

  private final int maxHeaders;

  public RequestHeadParser(int maxHeaders) {
    this.maxHeaders = maxHeaders;
  }

  /**
   * Finds the end of a request head: the index just past the first CRLF CRLF in {@code bytes[0..length)}, or -1.
   * Scanning starts at {@code from}, so bytes already searched are not searched again.
   */
  public static int findHeadEnd(byte[] bytes, int from, int length) {
    for (int i = Math.max(3, from); i < length; i++) {
      if (bytes[i] == '\n' && bytes[i - 1] == '\r' && bytes[i - 2] == '\n' && bytes[i - 3] == '\r') {
        return i + 1;
      }
    }
    return -1;
  }

  /**
   * Parses a complete head ({@code bytes[0..headLength)}, ending with CRLF CRLF).
   *
   * @throws BadRequestException with status 400 (malformed), 431 (too many fields) or 505 (version)
   */
  public RequestHead parse(byte[] bytes, int headLength) throws BadRequestException {
    checkLineEndings(bytes, headLength);
    List<String> lines = splitLines(bytes, headLength - 2);
    if (lines.isEmpty() || lines.getFirst().isEmpty()) {
      throw BadRequestException.malformed("empty request line");
    }
    String[] requestLine = parseRequestLine(lines.getFirst());
    List<RequestHead.Header> headers = parseHeaders(lines.subList(1, lines.size()));
    RequestHead head = new RequestHead(requestLine[0], requestLine[1], requestLine[2], headers, headLength);
    checkSingletons(head);
    return head;
  }

  /** Every CR must be followed by LF and every LF preceded by CR; no NUL anywhere. */
  private static void checkLineEndings(byte[] bytes, int length) throws BadRequestException {
    for (int i = 0; i < length; i++) {
      byte b = bytes[i];
      if (b == 0) {
        throw BadRequestException.malformed("NUL byte in request head");
      }
      if (b == '\r' && (i + 1 >= length || bytes[i + 1] != '\n')) {
        throw BadRequestException.malformed("bare CR in request head");
      }
      if (b == '\n' && (i == 0 || bytes[i - 1] != '\r')) {
        throw BadRequestException.malformed("bare LF in request head");
      }
    }
  }

  /** Splits {@code bytes[0..end)} at CRLF; the caller has dropped the final CRLF. */
  private static List<String> splitLines(byte[] bytes, int end) {
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i + 1 < end; i++) {
      if (bytes[i] == '\r') {
        lines.add(new String(bytes, start, i - start, StandardCharsets.ISO_8859_1));
        start = i + 2;
        i++;
      }
    }
    return lines;
  }

  private static String[] parseRequestLine(String line) throws BadRequestException {
    String[] parts = line.split(" ", -1);
    if (parts.length != 3) {
      throw BadRequestException.malformed("request line must be METHOD SP TARGET SP VERSION");
    }
    if (!isToken(parts[0])) {
      throw BadRequestException.malformed("invalid method");
    }
    if (parts[1].isEmpty() || !isVisibleAscii(parts[1])) {
      throw BadRequestException.malformed("invalid request target");
    }
    if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
      if (parts[2].startsWith("HTTP/")) {
        throw new BadRequestException(505, "unsupported_version", "only HTTP/1.0 and HTTP/1.1 are served");
      }
      throw BadRequestException.malformed("invalid HTTP version");
    }
    return parts;
  }

  private List<RequestHead.Header> parseHeaders(List<String> lines) throws BadRequestException {
    if (lines.size() > maxHeaders) {
      throw new BadRequestException(431, "too_many_headers", "more than " + maxHeaders + " header fields");
    }
    List<RequestHead.Header> headers = new ArrayList<>(lines.size());
    for (String line : lines) {
      headers.add(parseHeader(line));
    }
    return headers;
  }

  private static RequestHead.Header parseHeader(String line) throws BadRequestException {
    if (line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
      throw BadRequestException.malformed("obsolete line folding or empty header line");
    }
    int colon = line.indexOf(':');
    if (colon <= 0) {
      throw BadRequestException.malformed("header field without a name and colon");
    }
    String name = line.substring(0, colon);
    if (!isToken(name)) {
      throw BadRequestException.malformed("invalid header field name");
    }
    String value = trimOptionalWhitespace(line.substring(colon + 1));
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean allowed = c == '\t' || (c >= 0x20 && c != 0x7f);
      if (!allowed) {
        throw BadRequestException.malformed("control character in header field value");
      }
    }
    return new RequestHead.Header(name, value);
  }

  private static void checkSingletons(RequestHead head) throws BadRequestException {
    for (String name : SINGLETONS) {
      if (head.count(name) > 1) {
        throw BadRequestException.malformed("duplicate " + name + " header field");
      }
    }
  }

  private static String trimOptionalWhitespace(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && isOptionalWhitespace(value.charAt(start))) {
      start++;
    }
    while (end > start && isOptionalWhitespace(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(start, end);
  }

  private static boolean isOptionalWhitespace(char c) {
    return c == ' ' || c == '\t';
  }

  /** RFC 9110 token: one or more tchar. */
  static boolean isToken(String text) {
    if (text.isEmpty()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!tchar) {
        return false;
      }
    }
    return true;
  }

  private static boolean isVisibleAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
