package dev.clincher.gateway.channel;

import java.util.Objects;

/**
 * A file a user sent with a message (a document or a photo), fetched by the channel within its size cap.
 *
 * @param name the name the sender gave it (untrusted: {@link dev.clincher.gateway.channel.inbox.InboxFileName} makes
 *     it safe before it is used)
 * @param content the bytes
 */
public record InboundFile(String name, byte[] content) {
  public InboundFile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(content, "content");
  }
}
