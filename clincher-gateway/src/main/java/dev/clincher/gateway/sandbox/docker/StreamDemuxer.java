package dev.clincher.gateway.sandbox.docker;

import java.io.IOException;
import java.io.InputStream;

/**
 * A strict parser of Docker's multiplexed exec stream (non-TTY): frames of an 8-byte header ({@code [type, 0, 0, 0,
 * size as big-endian uint32]}) followed by {@code size} payload bytes, type 1 for stdout, 2 for stderr, 3 for a
 * daemon error (kept with stderr). Written for hostile input: a frame larger than {@value #MAX_FRAME} bytes, a
 * non-zero padding byte, an unknown type or a stream ending inside a frame is {@link MalformedStreamException};
 * the output is kept in a {@link CappedOutput}. The same framing carries an attached container's stdio
 * ({@link AttachedStdout}).
 */
public final class StreamDemuxer {
  /** The largest frame accepted; Docker writes frames of at most its copy buffer (32 KiB). */
  public static final int MAX_FRAME = 1 << 20;
  private static final int HEADER = 8;

  /** What was read: the kept output and how many bytes were dropped beyond the caps. */
  public record Output(byte[] stdout, byte[] stderr, long droppedBytes) {}

  /** The stream broke the framing. */
  public static final class MalformedStreamException extends IOException {
    MalformedStreamException(String message) {
      super(message);
    }
  }

  /** One frame header: the stream ({@code 1} stdout, {@code 2} stderr, {@code 3} daemon error) and its size. */
  public record Header(int type, int size) {}

  private final CappedOutput kept;
  private final byte[] buffer = new byte[32 * 1024];

  /** @param cap at most this many bytes of stdout and of stderr are kept */
  public StreamDemuxer(int cap) {
    this.kept = new CappedOutput(cap);
  }

  /** Reads frames until the end of the stream. Output read before an exception stays available in {@link #output}. */
  public Output readAll(InputStream in) throws IOException {
    Header header;
    while ((header = readHeader(in)) != null) {
      int remaining = header.size();
      while (remaining > 0) {
        int n = in.read(buffer, 0, Math.min(buffer.length, remaining));
        if (n < 0) {
          throw new MalformedStreamException("the stream ended inside a frame");
        }
        kept.add(header.type() != 1, buffer, 0, n);
        remaining -= n;
      }
    }
    return output();
  }

  /**
   * Reads and checks one frame header; {@code null} at a clean end of the stream (between frames). A header larger
   * than {@value #MAX_FRAME} bytes, with non-zero padding, of an unknown type, or cut short is refused.
   */
  public static Header readHeader(InputStream in) throws IOException {
    byte[] header = new byte[HEADER];
    int got = readFully(in, header);
    if (got == 0) {
      return null;
    }
    if (got < HEADER) {
      throw new MalformedStreamException("the stream ended inside a frame header");
    }
    int type = header[0];
    if (header[1] != 0 || header[2] != 0 || header[3] != 0) {
      throw new MalformedStreamException("non-zero padding in a frame header");
    }
    long size = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8)
        | (header[7] & 0xff);
    if (size > MAX_FRAME) {
      throw new MalformedStreamException("frame of " + size + " bytes exceeds " + MAX_FRAME);
    }
    if (type < 1 || type > 3) {
      throw new MalformedStreamException("unknown stream type " + type);
    }
    return new Header(type, (int) size);
  }

  /** Reads until the header is full or the stream ends (never trusting one read to fill it); returns the count. */
  private static int readFully(InputStream in, byte[] header) throws IOException {
    int got = 0;
    while (got < header.length) {
      int n = in.read(header, got, header.length - got);
      if (n < 0) {
        break;
      }
      got += n;
    }
    return got;
  }

  /** The output kept so far. */
  public Output output() {
    return kept.output();
  }
}
