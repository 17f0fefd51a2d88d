package dev.clincher.gateway.channel;

import dev.clincher.gateway.channel.access.PairedSenders;
import dev.clincher.gateway.store.ChannelStore;

/** The senders one channel's owner paired, kept in the gateway's database so that approvals survive a restart. */
public record StoredPairedSenders(ChannelStore store, String channel) implements PairedSenders {
  @Override
  public boolean contains(String senderId) {
    return store.isPaired(channel, senderId);
  }

  @Override
  public void add(String senderId) {
    store.pair(channel, senderId);
  }

  @Override
  public void remove(String senderId) {
    store.unpair(channel, senderId);
  }
}
