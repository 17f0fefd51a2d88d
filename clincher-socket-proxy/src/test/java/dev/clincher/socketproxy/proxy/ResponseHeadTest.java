package dev.clincher.socketproxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.clincher.common.http1.BadRequestException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseHeadTest {

  private static ResponseHead parse(String head) throws BadRequestException {
    return ResponseHead.parse(head.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void readsStatusAndHeadersCaseInsensitively() throws BadRequestException {
    ResponseHead head = parse("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\ncontent-LENGTH:  2 \r\n"
        + "Connection: Keep-Alive, CLOSE\r\n\r\n");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Length")).contains("2");
    assertThat(head.header("Transfer-Encoding")).isEmpty();
    assertThat(head.hasToken("Connection", "close")).isTrue();
    assertThat(head.hasToken("Connection", "upgrade")).isFalse();
  }

  @Test
  void readsAStatusLineWithoutReasonOrHeaders() throws BadRequestException {
    ResponseHead head = parse("HTTP/1.1 204\r\n\r\n");
    assertThat(head.status()).isEqualTo(204);
    assertThat(head.headers()).isEmpty();
  }

  @Test
  void refusesMalformedHeads() {
    for (String bad : new String[] {"HTTP/1.1  200 OK\r\n\r\n", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", "HTTP/1.1 200 OK\r\nA: 1\r\n\r\nB: 2\r\n\r\n"}) {
      assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(BadRequestException.class)
          .satisfies(e -> assertThat(((BadRequestException) e).status()).isEqualTo(502));
    }
  }

  @Test
  void findsTokensInCommaSeparatedValues() {
    assertThat(Tokens.contains("gzip, chunked", "chunked")).isTrue();
    assertThat(Tokens.contains(" Chunked ", "chunked")).isTrue();
    assertThat(Tokens.contains("chunkedx, gzip", "chunked")).isFalse();
    assertThat(Tokens.contains("", "close")).isFalse();
    assertThat(Tokens.contains("keep-alive,", "close")).isFalse();
  }
}
