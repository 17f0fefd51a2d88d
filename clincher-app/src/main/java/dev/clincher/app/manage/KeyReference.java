package dev.clincher.app.manage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Which key a command is about: its token (the SHA-256 that {@code keys list} shows) on the command line, or the key
 * itself read from a file or standard input. A key is never taken from the command line: every user of the machine
 * can read a process's arguments.
 */
final class KeyReference {
  private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_BYTES = 4096;

  @Parameters(arity = "0..1", paramLabel = "TOKEN",
      description = "The key's token (64 hex digits, as `keys list` shows it).")
  String token;

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "Read the key (sk-…) or its token from FILE instead; - reads standard input.")
  String keyFile;

  /** The key or token to send as {@code key}. */
  String resolve() throws ManagementRequest.BadArguments {
    if ((token == null) == (keyFile == null)) {
      throw new ManagementRequest.BadArguments("give the key's TOKEN or --key-file FILE (- for standard input)");
    }
    if (token != null) {
      if (!isToken(token)) {
        throw new ManagementRequest.BadArguments("TOKEN must be the key's token (64 hex digits); to name a key by the "
            + "key itself use --key-file FILE or --key-file - (a key on the command line is readable by every user "
            + "of this machine)");
      }
      return token;
    }
    return fromFile(keyFile);
  }

  /** Whether {@code text} is a key's token (its SHA-256: 64 lower-case hex digits). */
  static boolean isToken(String text) {
    return TOKEN.matcher(text).matches();
  }

  /** The one key or token in {@code source}, a file of at most 4 KiB or {@code -} (a line of standard input). */
  static String fromFile(String source) throws ManagementRequest.BadArguments {
    String text = read(source).trim();
    if (text.isEmpty() || text.contains("\n")) {
      throw new ManagementRequest.BadArguments("--key-file: expected one key or token on one line");
    }
    return text;
  }

  private static String read(String source) throws ManagementRequest.BadArguments {
    try {
      if (source.equals("-")) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = reader.readLine();
        return line == null ? "" : line;
      }
      Path file = Path.of(source);
      if (Files.size(file) > MAX_BYTES) {
        throw new ManagementRequest.BadArguments("--key-file: larger than " + MAX_BYTES + " bytes");
      }
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ManagementRequest.BadArguments("--key-file: cannot read " + source + " ("
          + e.getClass().getSimpleName() + ")");
    }
  }
}
