package dev.clincher.router.provider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads Server-Sent Events: {@code data:} lines up to a blank line make one event; comments ({@code :}) are skipped.
 * An event's name ({@code event:} line) is kept, so a caller can tell {@code error} events from data.
 */
final class SseReader implements AutoCloseable {
  /** Longest event accepted: a bound, so a broken upstream cannot fill the heap. */
  static final int MAX_EVENT_CHARS = 4 * 1024 * 1024;

  /** One event: its name ({@code message} unless the server named it) and its data. */
  record Event(String name, String data) {}

  private final BufferedReader reader;

  SseReader(InputStream in) {
    this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 16 * 1024);
  }

  /** The next event; empty at the end of the input. */
  Optional<Event> next() throws IOException {
    StringBuilder data = null;
    String name = "message";
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isEmpty()) {
        if (data != null) {
          return Optional.of(new Event(name, data.toString()));
        }
        continue;
      }
      if (line.startsWith(":")) {
        continue;
      }
      String field = line.contains(":") ? line.substring(0, line.indexOf(':')) : line;
      String value = line.contains(":") ? line.substring(line.indexOf(':') + 1) : "";
      value = value.startsWith(" ") ? value.substring(1) : value;
      if (field.equals("data")) {
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        if (data.length() > MAX_EVENT_CHARS) {
          throw new IOException("upstream event larger than " + MAX_EVENT_CHARS + " characters");
        }
      } else if (field.equals("event")) {
        name = value;
      }
    }
    if (data != null) {
      throw new IOException("upstream stream ended inside an event");
    }
    return Optional.empty();
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
