package dev.clincher.gateway.channel;

/** How answers leave through a channel: a one-shot notice, or a stream that grows while a run is in progress. */
public interface ReplyPort {
  /** Sends one complete text (a command's answer, a notice); Markdown, rendered as the channel can. */
  void send(Conversation to, String text);

  /** Opens the reply of one run; the channel shows that a run is in progress until the stream is finished. */
  ReplyStream open(Conversation to);
}
