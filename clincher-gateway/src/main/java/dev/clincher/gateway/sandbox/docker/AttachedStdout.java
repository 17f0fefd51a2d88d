package dev.clincher.gateway.sandbox.docker;

import java.io.IOException;
import java.io.InputStream;

/**
 * The standard output of an attached container as a plain byte stream: the payloads of the multiplexed stream's
 * stdout frames, in order. Frame headers are checked by {@link StreamDemuxer#readHeader} (the container is
 * untrusted); standard error frames are read and discarded (what a container's main process prints there is no
 * part of any answer).
 */
final class AttachedStdout extends InputStream {
  private final InputStream in;
  private final byte[] skip = new byte[8192];
  private int remaining;

  AttachedStdout(InputStream in) {
    this.in = in;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (remaining == 0) {
      StreamDemuxer.Header header = StreamDemuxer.readHeader(in);
      if (header == null) {
        return -1;
      }
      if (header.type() == 1) {
        remaining = header.size();
      } else {
        discard(header.size());
      }
    }
    int n = in.read(buffer, offset, Math.min(length, remaining));
    if (n < 0) {
      throw new StreamDemuxer.MalformedStreamException("the stream ended inside a frame");
    }
    remaining -= n;
    return n;
  }

  private void discard(int size) throws IOException {
    int left = size;
    while (left > 0) {
      int n = in.read(skip, 0, Math.min(skip.length, left));
      if (n < 0) {
        throw new StreamDemuxer.MalformedStreamException("the stream ended inside a frame");
      }
      left -= n;
    }
  }
}
