package dev.clincher.router.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;

class BodyCollectorTest {
  /** Just enough of a response: its headers, and whether (and why) it was aborted. */
  static final class Answer implements Response {
    final HttpFields headers;
    Throwable aborted;

    Answer(HttpFields headers) {
      this.headers = headers;
    }

    @Override public Request getRequest() { return null; }
    @Override public HttpVersion getVersion() { return HttpVersion.HTTP_1_1; }
    @Override public int getStatus() { return 200; }
    @Override public String getReason() { return "OK"; }
    @Override public HttpFields getHeaders() { return headers; }
    @Override public HttpFields getTrailers() { return HttpFields.EMPTY; }

    @Override
    public CompletableFuture<Boolean> abort(Throwable failure) {
      aborted = failure;
      return CompletableFuture.completedFuture(true);
    }
  }

  static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void collectsChunksWithAndWithoutContentLength() {
    BodyCollector sized = new BodyCollector(100);
    Answer declared = new Answer(HttpFields.build().put("Content-Length", "11"));
    sized.onHeaders(declared);
    sized.onContent(declared, text("hello "));
    sized.onContent(declared, text("world"));
    assertThat(new String(sized.bytes(), StandardCharsets.UTF_8)).isEqualTo("hello world");

    BodyCollector chunked = new BodyCollector(5000);
    Answer unknown = new Answer(HttpFields.EMPTY);
    chunked.onHeaders(unknown);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      chunked.onContent(unknown, text("chunk" + i + ";"));
      expected.append("chunk").append(i).append(';');
    }
    assertThat(new String(chunked.bytes(), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
    assertThat(unknown.aborted).isNull();
  }

  @Test
  void aDeclaredLengthOverTheLimitAbortsAtTheHeaders() {
    BodyCollector collector = new BodyCollector(10);
    Answer answer = new Answer(HttpFields.build().put("Content-Length", "11"));
    collector.onHeaders(answer);
    assertThat(answer.aborted).hasMessageContaining("larger than 10 bytes");
  }

  @Test
  void aBodyGrowingOverTheLimitAbortsAndKeepsNoMore() {
    BodyCollector collector = new BodyCollector(10);
    Answer answer = new Answer(HttpFields.EMPTY);
    collector.onHeaders(answer);
    collector.onContent(answer, text("0123456789"));
    assertThat(answer.aborted).isNull();
    collector.onContent(answer, text("x"));
    assertThat(answer.aborted).hasMessageContaining("larger than 10 bytes");
    assertThat(collector.bytes()).hasSize(10);
  }
}
