package dev.clincher.gateway.channel;

/**
 * The answer of one run as it is written. Neither method blocks on the network: the channel delivers in the
 * background at the rate its platform allows, coalescing intermediate texts, and always delivers the final one.
 */
public interface ReplyStream {
  /** The whole answer so far (not a delta); an intermediate text may be skipped when a newer one arrives. */
  void progress(String textSoFar);

  /** The complete answer; delivered even when the platform asks to slow down. Ends the stream. */
  void finish(String finalText);
}
