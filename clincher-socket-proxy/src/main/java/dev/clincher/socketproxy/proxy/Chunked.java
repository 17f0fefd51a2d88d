package dev.clincher.socketproxy.proxy;

import dev.clincher.common.http1.BadRequestException;
import dev.clincher.common.text.AsciiHex;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 chunked transfer coding. Client bodies are read strictly (hex sizes only, no extensions, no trailers),
 * since a lenient reader is where request smuggling starts; Docker's responses may carry extensions and trailers,
 * which are dropped.
 */
final class Chunked {
  private static final int MAX_LINE = 1024;

  private Chunked() {}

  /** Decodes a chunked client body into {@code out}, refusing it past {@code maxBytes} (413). */
  static void decodeRequest(ByteInput in, OutputStream out, long maxBytes) throws IOException, BadRequestException {
    long total = 0;
    while (true) {
      long size = chunkSize(in.readLine(MAX_LINE), true);
      total += size;
      if (total > maxBytes) {
        throw new BadRequestException(413, "body_too_large", "the body is larger than " + maxBytes + " bytes");
      }
      if (size == 0) {
        expectEmptyLine(in, true);
        return;
      }
      in.copyExactly(size, out);
      expectEmptyLine(in, true);
    }
  }

  /** Re-chunks a client body into {@code out} as it arrives (for bodies that are streamed, not inspected). */
  static void relayRequest(ByteInput in, OutputStream out) throws IOException, BadRequestException {
    relay(in, out, true);
  }

  /** Re-chunks a Docker response into {@code out}, flushing each chunk (events and logs stay live). */
  static void relayResponse(ByteInput in, OutputStream out) throws IOException, BadRequestException {
    relay(in, out, false);
  }

  /** Decodes a Docker response body into {@code out}. */
  static void copyResponse(ByteInput in, OutputStream out) throws IOException, BadRequestException {
    while (true) {
      long size = chunkSize(in.readLine(MAX_LINE), false);
      if (size == 0) {
        skipTrailers(in);
        return;
      }
      in.copyExactly(size, out);
      expectEmptyLine(in, false);
    }
  }

  private static void relay(ByteInput in, OutputStream out, boolean strict) throws IOException, BadRequestException {
    while (true) {
      long size = chunkSize(in.readLine(MAX_LINE), strict);
      if (size == 0) {
        if (strict) {
          expectEmptyLine(in, true);
        } else {
          skipTrailers(in);
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return;
      }
      out.write((Long.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      in.copyExactly(size, out);
      expectEmptyLine(in, strict);
      out.write('\r');
      out.write('\n');
      out.flush();
    }
  }

  private static long chunkSize(String line, boolean strict) throws BadRequestException {
    String size = line;
    int extension = line.indexOf(';');
    if (extension >= 0) {
      if (strict) {
        throw BadRequestException.malformed("chunk extensions are not accepted");
      }
      size = line.substring(0, extension).trim();
    }
    if (size.isEmpty() || size.length() > 8) {
      throw BadRequestException.malformed("invalid chunk size");
    }
    long value = 0;
    for (int i = 0; i < size.length(); i++) {
      int digit = AsciiHex.digit(size.charAt(i));
      if (digit < 0) {
        throw BadRequestException.malformed("invalid chunk size");
      }
      value = value * 16 + digit;
    }
    return value;
  }

  private static void expectEmptyLine(ByteInput in, boolean strict) throws IOException, BadRequestException {
    if (!in.readLine(MAX_LINE).isEmpty()) {
      throw strict ? BadRequestException.malformed("chunk data longer than its size, or trailers")
          : new BadRequestException(502, "bad_upstream_response", "malformed chunk from Docker");
    }
  }

  private static void skipTrailers(ByteInput in) throws IOException, BadRequestException {
    int count = 0;
    while (!in.readLine(MAX_LINE).isEmpty()) {
      if (++count > 100) {
        throw new BadRequestException(502, "bad_upstream_response", "too many trailers from Docker");
      }
    }
  }
}
