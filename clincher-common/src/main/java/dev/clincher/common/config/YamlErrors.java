package dev.clincher.common.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.StringReader;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;

/**
 * Turns a YAML parse error into a short reason without quoting the document: SnakeYAML's full messages include a
 * snippet of the offending line, which may hold a secret, so only the "problem" part is kept.
 */
final class YamlErrors {
  private YamlErrors() {}

  /**
   * Fails on the first alias ({@code *name}): Jackson would silently read it as the string {@code "name"}, which is
   * never what the author meant. Called after a successful parse, so the text is valid YAML.
   */
  static void rejectAliases(String source, String text, LoaderOptions options) throws ConfigException {
    if (text.indexOf('*') < 0) {
      return;
    }
    for (Event event : new Yaml(options).parse(new StringReader(text))) {
      if (event instanceof AliasEvent alias) {
        int line = alias.getStartMark().getLine() + 1;
        int column = alias.getStartMark().getColumn() + 1;
        throw new ConfigException(source, "", "YAML aliases (*" + alias.getAnchor() + ") are not supported, at line "
            + line + ", column " + column + "; repeat the value instead");
      }
    }
  }

  static String problem(JsonProcessingException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException marked && marked.getProblem() != null) {
        return marked.getProblem();
      }
    }
    String original = e.getOriginalMessage();
    if (original != null && original.startsWith("Duplicate field")) {
      return original.replace("Duplicate field", "duplicate key");
    }
    if (original != null && original.startsWith("Trailing token")) {
      return "more than one YAML document (---) in the file";
    }
    return "cannot parse (" + e.getClass().getSimpleName() + ")";
  }
}
