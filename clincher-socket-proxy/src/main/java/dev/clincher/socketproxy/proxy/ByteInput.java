package dev.clincher.socketproxy.proxy;

import dev.clincher.common.http1.BadRequestException;
import dev.clincher.common.http1.RequestHeadParser;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A buffered reader over one side of a connection that keeps bytes across messages: what arrives after one
 * request (a pipelined second request, or raw stream data after an upgrade) stays buffered for the next reader.
 */
final class ByteInput {
  /** Where bytes come from: a socket stream or a channel. */
  @FunctionalInterface
  interface Source {
    /** Reads at least one byte, or returns -1 at end of stream. */
    int read(byte[] buffer, int offset, int length) throws IOException;
  }

  private final Source source;
  private byte[] buffer = new byte[16 * 1024];
  private int start;
  private int end;

  ByteInput(Source source) {
    this.source = source;
  }

  /** Waits until at least one byte is buffered; false at end of stream. */
  boolean awaitData() throws IOException {
    return end > start || fill() > 0;
  }

  /** Bytes buffered and not yet consumed. */
  int buffered() {
    return end - start;
  }

  /**
   * Reads one message head, up to and including the empty line.
   *
   * @throws BadRequestException 431 past {@code maxBytes}, 400 when the stream ends inside the head
   */
  byte[] readHead(int maxBytes) throws IOException, BadRequestException {
    int checked = 0;
    while (true) {
      int headEnd = RequestHeadParser.findHeadEnd(buffer, start + Math.max(3, checked), end);
      if (headEnd >= 0 && headEnd - start <= maxBytes) {
        byte[] head = Arrays.copyOfRange(buffer, start, headEnd);
        start = headEnd;
        return head;
      }
      if (end - start > maxBytes || headEnd >= 0) {
        throw new BadRequestException(431, "head_too_large", "message head larger than " + maxBytes + " bytes");
      }
      checked = end - start;
      if (fill() < 0) {
        throw new BadRequestException(400, "incomplete_head", "connection closed inside a message head");
      }
    }
  }

  /** Reads a CRLF-terminated line (without the CRLF) of at most {@code maxBytes}. */
  String readLine(int maxBytes) throws IOException, BadRequestException {
    int checked = 0;
    while (true) {
      for (int i = start + checked; i + 1 < end; i++) {
        if (buffer[i] == '\r' && buffer[i + 1] == '\n') {
          String line = new String(buffer, start, i - start, java.nio.charset.StandardCharsets.ISO_8859_1);
          start = i + 2;
          return line;
        }
      }
      if (end - start > maxBytes) {
        throw BadRequestException.malformed("line too long");
      }
      checked = Math.max(0, end - start - 1);
      if (fill() < 0) {
        throw new EOFException("stream ended inside a line");
      }
    }
  }

  /** Reads exactly {@code length} bytes. */
  byte[] readExactly(int length) throws IOException {
    byte[] out = new byte[length];
    int done = 0;
    while (done < length) {
      int read = read(out, done, length - done);
      if (read < 0) {
        throw new EOFException("stream ended inside a body");
      }
      done += read;
    }
    return out;
  }

  /** Copies exactly {@code length} bytes to {@code out}, flushing after each read so streams stay live. */
  void copyExactly(long length, OutputStream out) throws IOException {
    byte[] chunk = new byte[(int) Math.min(length, 64 * 1024)];
    long left = length;
    while (left > 0) {
      int read = read(chunk, 0, (int) Math.min(left, chunk.length));
      if (read < 0) {
        throw new EOFException("stream ended inside a body");
      }
      out.write(chunk, 0, read);
      out.flush();
      left -= read;
    }
  }

  /** Copies everything up to the end of the stream, flushing after each read. */
  void copyToEnd(OutputStream out) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    int read;
    while ((read = read(chunk, 0, chunk.length)) >= 0) {
      out.write(chunk, 0, read);
      out.flush();
    }
  }

  /** Reads from the buffer first, then from the source. */
  int read(byte[] out, int offset, int length) throws IOException {
    if (end == start && fill() < 0) {
      return -1;
    }
    int count = Math.min(length, end - start);
    System.arraycopy(buffer, start, out, offset, count);
    start += count;
    return count;
  }

  /** Takes whatever is buffered (for a relay that continues with raw bytes). */
  byte[] takeBuffered() {
    byte[] rest = Arrays.copyOfRange(buffer, start, end);
    start = end;
    return rest;
  }

  private int fill() throws IOException {
    if (start == end) {
      start = 0;
      end = 0;
    } else if (end == buffer.length) {
      if (start > 0) {
        System.arraycopy(buffer, start, buffer, 0, end - start);
        end -= start;
        start = 0;
      } else {
        buffer = Arrays.copyOf(buffer, buffer.length * 2);
      }
    }
    int read = source.read(buffer, end, buffer.length - end);
    if (read > 0) {
      end += read;
    }
    return read;
  }
}
