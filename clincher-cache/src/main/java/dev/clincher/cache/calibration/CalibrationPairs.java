package dev.clincher.cache.calibration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The labelled question pairs of {@code qqp-calibration.jsonl}: one JSON object a line with {@code a}, {@code b} and
 * {@code label} (1 = the same question asked two ways).
 */
public final class CalibrationPairs {

  /** One labelled pair: the cache holds {@code a} and is asked {@code b}. */
  public record Pair(String a, String b, boolean duplicate) {}

  private CalibrationPairs() {}

  /** The first {@code limit} pairs of {@code file}. */
  public static List<Pair> read(Path file, int limit) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Pair> pairs = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while (pairs.size() < limit && (line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode pair = json.readTree(line);
        if (!pair.path("a").isTextual() || !pair.path("b").isTextual() || !pair.path("label").isInt()) {
          throw new IOException(file + " line " + (pairs.size() + 1) + ": expected a, b and label");
        }
        pairs.add(new Pair(pair.path("a").asText(), pair.path("b").asText(), pair.path("label").asInt() == 1));
      }
    }
    return pairs;
  }
}
