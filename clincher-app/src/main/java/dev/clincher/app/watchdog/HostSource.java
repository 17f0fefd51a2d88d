package dev.clincher.app.watchdog;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Where the host's numbers come from: {@code /proc/meminfo} and the file system; a test gives its own. */
interface HostSource {
  /** The text of {@code /proc/meminfo}. */
  String meminfo() throws IOException;

  /** The disk use of the file system holding {@code path}. */
  DiskUse disk(Path path) throws IOException;

  /**
   * Whether a systemd unit's last run failed ({@code systemctl is-failed}); empty where there is no systemd to ask.
   */
  Optional<Boolean> unitFailed(String unit) throws IOException;

  /** Bytes in use and bytes still available to users, as {@code df} counts them. */
  record DiskUse(long usedBytes, long availableBytes) {
    int percent() {
      long total = usedBytes + availableBytes;
      return total == 0 ? 0 : (int) Math.ceil(usedBytes * 100.0 / total);
    }
  }

  /** The real host. */
  HostSource SYSTEM = new HostSource() {
    @Override
    public String meminfo() throws IOException {
      return Files.readString(Path.of("/proc/meminfo"));
    }

    @Override
    public DiskUse disk(Path path) throws IOException {
      FileStore store = Files.getFileStore(path);
      return new DiskUse(store.getTotalSpace() - store.getUnallocatedSpace(), store.getUsableSpace());
    }

    @Override
    public Optional<Boolean> unitFailed(String unit) throws IOException {
      Process process;
      try {
        process = new ProcessBuilder("systemctl", "is-failed", "--", unit).redirectErrorStream(true).start();
      } catch (IOException e) {
        return Optional.empty(); // no systemctl on this host
      }
      try {
        String state = new String(process.getInputStream().readAllBytes()).strip();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IOException("systemctl is-failed " + unit + " did not answer within 30 s");
        }
        return state.contains("System has not been booted with systemd") ? Optional.empty()
            : Optional.of(state.equals("failed"));
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
  };
}
