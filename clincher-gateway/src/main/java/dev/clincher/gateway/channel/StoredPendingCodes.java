package dev.clincher.gateway.channel;

import dev.clincher.gateway.channel.access.PendingCodeStore;
import dev.clincher.gateway.store.ChannelStore;
import java.time.Instant;
import java.util.Optional;

/** One channel's pending pairing codes, kept by their hash in the gateway's database so they survive a restart. */
public record StoredPendingCodes(ChannelStore store, String channel) implements PendingCodeStore {
  @Override
  public void add(Entry entry) {
    store.addPendingCode(channel, new ChannelStore.PendingCode(entry.codeHash(), entry.senderId(), entry.chatId(),
        entry.expires()));
  }

  @Override
  public Optional<Entry> take(String codeHash, Instant now) {
    return store.takePendingCode(channel, codeHash, now)
        .map(code -> new Entry(code.codeHash(), code.senderId(), code.chatId(), code.expires()));
  }

  @Override
  public int prune(Instant now, int max) {
    return store.prunePendingCodes(channel, now, max);
  }
}
