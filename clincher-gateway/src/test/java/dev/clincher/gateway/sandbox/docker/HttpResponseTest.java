package dev.clincher.gateway.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bounded response reader on Docker-like and hostile responses. */
class HttpResponseTest {

  private static HttpResponse read(String raw, int maxBody) throws IOException {
    return HttpResponse.read(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)), maxBody);
  }

  @Test
  void readsContentLengthChunkedAndCloseDelimitedBodies() throws Exception {
    assertThat(read("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOKtrailing", 10).bodyText()).isEqualTo("OK");
    HttpResponse chunked = read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n"
        + "2;ext=1\r\n\":\r\n1\r\n1\r\n1\r\n}\r\n0\r\nX-Trailer: y\r\n\r\n", 100);
    assertThat(chunked.bodyText()).isEqualTo("{\"a\":1}");
    assertThat(read("HTTP/1.0 404 Not Found\r\n\r\n{\"message\":\"x\"}", 100).status()).isEqualTo(404);
    assertThat(read("HTTP/1.1 204 No Content\r\nX: y\r\n\r\n", 0).body()).isEmpty();
  }

  @Test
  void boundsEveryLength() {
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890", 10))
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", 10))
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n012345678\r\n0\r\n\r\n",
        4)).hasMessageContaining("too large");
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffff\r\n", 10))
        .hasMessageContaining("chunk size");
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(11), 10)).hasMessageContaining("too large");
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nX: " + "a".repeat(70_000) + "\r\n\r\n", 10))
        .hasMessageContaining("head too large");
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\n" + "X: y\r\n".repeat(101) + "\r\n", 10))
        .hasMessageContaining("too many headers");
  }

  @Test
  void refusesMalformedResponses() {
    assertThatThrownBy(() -> read("SSH-2.0-OpenSSH\r\n\r\n", 10)).hasMessageContaining("status line");
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 10));
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 10))
        .hasMessageContaining("mid-body");
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nX-No-End: y\r\n", 10)).hasMessageContaining("mid-head");
    assertThatThrownBy(() -> read("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", 10)).isInstanceOf(IOException.class);
  }
}
