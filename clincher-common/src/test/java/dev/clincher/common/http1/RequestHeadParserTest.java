package dev.clincher.common.http1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestHeadParserTest {
  private final RequestHeadParser parser = new RequestHeadParser(100);

  private RequestHead parse(String head) throws BadRequestException {
    byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
    int end = RequestHeadParser.findHeadEnd(bytes, 0, bytes.length);
    assertThat(end).as("test input must contain CRLF CRLF").isPositive();
    return parser.parse(bytes, end);
  }

  @Test
  void parsesAConnectHeadAsCurlSendsIt() throws Exception {
    RequestHead head = parse("CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n"
        + "User-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\n");
    assertThat(head.method()).isEqualTo("CONNECT");
    assertThat(head.target()).isEqualTo("api.openai.com:443");
    assertThat(head.version()).isEqualTo("HTTP/1.1");
    assertThat(head.header("host")).contains("api.openai.com:443");
    assertThat(head.headers()).hasSize(3);
  }

  @Test
  void trimsOptionalWhitespaceAroundValues() throws Exception {
    RequestHead head = parse("GET / HTTP/1.1\r\nHost: \t a b \t\r\n\r\n");
    assertThat(head.header("Host")).contains("a b");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "CONNECT a:1 HTTP/1.1\nHost: a:1\r\n\r\n",             // bare LF
      "CONNECT a:1 HTTP/1.1\r\nHost: a:1\nX: y\r\n\r\n",     // bare LF inside the head
      "CONNECT a:1 HTTP/1.1\r\nHo\rst: a:1\r\n\r\n",         // bare CR
      "CONNECT a:1 HTTP/1.1\r\nHost: a\u0000:1\r\n\r\n",     // NUL
      "CONNECT  a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n",          // two spaces
      "CONNECT a:1  HTTP/1.1\r\nHost: a:1\r\n\r\n",
      "CONNECT a:1 HTTP/1.1 \r\nHost: a:1\r\n\r\n",          // trailing space
      "CONNECT\ta:1 HTTP/1.1\r\nHost: a:1\r\n\r\n",          // tab separator
      "CONNECT a:1\r\nHost: a:1\r\n\r\n",                    // HTTP/0.9 style
      "CONNECT a:1 HTTP/1.1 extra\r\nHost: a:1\r\n\r\n",
      "\r\nCONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n",       // leading empty line
      "CON(NECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n",          // non-token method
      "CONNECT a:1 HTTP/1.1\r\nHost : a:1\r\n\r\n",          // space before colon
      "CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n folded\r\n\r\n",// obs-fold
      "CONNECT a:1 HTTP/1.1\r\n\tHost: a:1\r\n\r\n",
      "CONNECT a:1 HTTP/1.1\r\n: a:1\r\n\r\n",               // empty name
      "CONNECT a:1 HTTP/1.1\r\nHost a:1\r\n\r\n",            // no colon
      "CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\nhost: b:1\r\n\r\n",            // duplicate Host
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-length: 2\r\n\r\n",   // duplicate length
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTRANSFER-ENCODING: identity\r\n\r\n",
      "CONNECT a:1 HTTP/1.1\r\nX: a\u0001b\r\n\r\n",         // control character in value
      "CONNECT a:1 HTTP/1.1\r\nX: a\u007fb\r\n\r\n",         // DEL in value
      "CONNECT a\u00e9:1 HTTP/1.1\r\nHost: a:1\r\n\r\n",     // non-ASCII target
      "CONNECT a:1 HTTP/1.1\r\nX\u00e9: 1\r\n\r\n",          // non-ASCII name
      "CONNECT a:1 http/1.1\r\nHost: a:1\r\n\r\n",           // version case
  })
  void rejectsMalformedOrAmbiguousHeads(String head) {
    assertThatThrownBy(() -> parse(head))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/2.0", "HTTP/1.10", "HTTP/0.9", "HTTP/1.1.1"})
  void rejectsOtherVersionsWith505(String version) {
    assertThatThrownBy(() -> parse("CONNECT a:1 " + version + "\r\nHost: a:1\r\n\r\n"))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.status()).isEqualTo(505));
  }

  @Test
  void rejectsTooManyHeaderFields() {
    StringBuilder head = new StringBuilder("CONNECT a:1 HTTP/1.1\r\n");
    for (int i = 0; i < 101; i++) {
      head.append("X-").append(i).append(": v\r\n");
    }
    head.append("\r\n");
    assertThatThrownBy(() -> parse(head.toString()))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.status()).isEqualTo(431));
  }

  @Test
  void findsTheHeadEndAcrossReadBoundaries() {
    byte[] bytes = "CONNECT a:1 HTTP/1.1\r\n\r\nrest".getBytes(StandardCharsets.US_ASCII);
    assertThat(RequestHeadParser.findHeadEnd(bytes, 0, 23)).isEqualTo(-1);
    assertThat(RequestHeadParser.findHeadEnd(bytes, 23, bytes.length)).isEqualTo(24);
  }

  /**
   * Fuzz: random mutations of valid heads must either parse to a head whose parts contain no CR, LF or NUL, or be
   * rejected with a BadRequestException — never another exception.
   */
  @Test
  void fuzzedHeadsNeverEscapeTheParser() {
    Random random = new Random(20261124);
    String[] seeds = {
        "CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\nUser-Agent: x\r\n\r\n",
        "GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\n",
        "GET /health/readiness HTTP/1.0\r\n\r\n",
    };
    byte[] alphabet = " \t\r\n:/[]%.0aA\u0000\u007f\u00ff".getBytes(StandardCharsets.ISO_8859_1);
    int parsed = 0;
    for (int round = 0; round < 200_000; round++) {
      byte[] bytes = seeds[round % seeds.length].getBytes(StandardCharsets.ISO_8859_1);
      int mutations = 1 + random.nextInt(4);
      for (int m = 0; m < mutations; m++) {
        bytes[random.nextInt(bytes.length - 4)] = alphabet[random.nextInt(alphabet.length)];
      }
      int end = RequestHeadParser.findHeadEnd(bytes, 0, bytes.length);
      if (end < 0) {
        continue;
      }
      try {
        RequestHead head = parser.parse(bytes, end);
        parsed++;
        assertThat(head.method() + head.target() + head.version()).doesNotContainAnyWhitespaces();
        for (RequestHead.Header header : head.headers()) {
          assertThat(header.name() + header.value()).doesNotContain("\r", "\n", "\u0000");
        }
      } catch (BadRequestException expected) {
        assertThat(expected.status()).isIn(400, 431, 505);
      }
    }
    assertThat(parsed).as("some mutations stay valid").isPositive();
  }
}
