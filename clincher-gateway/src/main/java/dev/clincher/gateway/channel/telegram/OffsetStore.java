package dev.clincher.gateway.channel.telegram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The next {@code getUpdates} offset of one bot (one past the last update handed off), kept across restarts so that
 * no update is answered twice and none is lost.
 */
public interface OffsetStore {
  /** The stored offset, 0 when none was stored yet (Telegram then sends every update it still holds). */
  long load();

  void save(long nextOffset);

  /** Kept in memory only (tests, or a gateway that may answer an update twice after a restart). */
  static OffsetStore inMemory() {
    AtomicLong offset = new AtomicLong();
    return new OffsetStore() {
      @Override
      public long load() {
        return offset.get();
      }

      @Override
      public void save(long nextOffset) {
        offset.set(nextOffset);
      }
    };
  }

  /** Kept in a file, replaced atomically on every save. */
  static OffsetStore file(Path file) {
    return new OffsetStore() {
      @Override
      public long load() {
        try {
          return Files.exists(file) ? Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip()) : 0;
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the Telegram offset file " + file, e);
        } catch (NumberFormatException e) {
          throw new IllegalStateException("the Telegram offset file " + file + " holds no number");
        }
      }

      @Override
      public void save(long nextOffset) {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try {
          Files.writeString(partial, Long.toString(nextOffset), StandardCharsets.US_ASCII);
          Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write the Telegram offset file " + file, e);
        }
      }
    };
  }
}
