package dev.clincher.app.watchdog;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clincher.common.json.JsonMappers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the watchdog remembers between runs, in a small JSON file: the conditions already notified (message and when,
 * epoch milliseconds) and, per container, the OOM kills seen (their FinishedAt, and when seen).
 */
record AlertState(Map<String, Sent> sent, Map<String, List<OomKill>> oomKills) {
  record Sent(String message, long atMillis) {}

  record OomKill(String finishedAt, long seenMillis) {}

  private static final ObjectMapper JSON = JsonMappers.newMapper();

  static AlertState load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return new AlertState(new HashMap<>(), new HashMap<>());
    }
    AlertState read = JSON.readValue(file.toFile(), AlertState.class);
    Map<String, List<OomKill>> kills = new HashMap<>();
    read.oomKills().forEach((name, list) -> kills.put(name, new ArrayList<>(list)));
    return new AlertState(new HashMap<>(read.sent()), kills);
  }

  /** Written to a temporary file and moved over the old one, so a crash never leaves half a file. */
  void save(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temporary = Files.createTempFile(parent, ".watchdog-state", ".tmp");
    JSON.writeValue(temporary.toFile(), this);
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
