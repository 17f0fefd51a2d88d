package dev.clincher.gateway.channel;

/**
 * Receives the messages a channel accepted. The gateway's implementation ({@link ChannelRuns}) maps the conversation
 * to a session, starts a run and answers through the {@link ReplyPort} it is given; it must return quickly (start the
 * run, do not wait for it), because a channel hands messages over one at a time.
 */
@FunctionalInterface
public interface InboundHandler {
  void handle(InboundMessage message, ReplyPort replies);
}
