package dev.clincher.router.provider;

import dev.clincher.router.metering.Usage;
import java.io.IOException;
import java.util.Optional;

/**
 * A streamed chat completion as OpenAI {@code chat.completion.chunk} JSON texts, one per SSE event, in order.
 * Closing it before the end cancels the upstream call.
 */
public interface ChunkStream extends AutoCloseable {
  /**
   * The next chunk's JSON, blocking until it arrives; empty once the upstream ended the stream properly
   * ({@code data: [DONE]}).
   *
   * @throws IOException when the stream broke (truncated, reset, timed out, or an upstream error event)
   */
  Optional<String> next() throws IOException;

  /** Usage reported in the stream so far (the last chunk carries it with {@code include_usage}). */
  Usage usage();

  @Override
  void close();
}
