package dev.clincher.common.config;

import java.util.Map;
import java.util.Optional;

/**
 * Expands {@code ${VAR}} and {@code ${VAR:-default}} in one string scalar; {@code $${} is a literal {@code ${}.
 * The default is used when the variable is unset or empty (as in a POSIX shell). Variables resolve through
 * {@link Secrets#fromEnv}, so {@code VAR_FILE} works too. Expanded values are not expanded again.
 */
final class Interpolator {
  private final Map<String, String> env;
  private final String source;

  Interpolator(Map<String, String> env, String source) {
    this.env = env;
    this.source = source;
  }

  /** Expands {@code text}, found at {@code keyPath}; errors name source, key path and variable, never a value. */
  String expand(String text, String keyPath) throws ConfigException {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      if (text.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (text.startsWith("${", i)) {
        int end = text.indexOf('}', i + 2);
        if (end < 0) {
          throw new ConfigException(source, keyPath, "unterminated ${ (write $${ for a literal ${)");
        }
        out.append(resolve(text.substring(i + 2, end), keyPath));
        i = end + 1;
      } else {
        out.append(text.charAt(i));
        i++;
      }
    }
    return out.toString();
  }

  private String resolve(String expression, String keyPath) throws ConfigException {
    int separator = expression.indexOf(":-");
    String name = separator < 0 ? expression : expression.substring(0, separator);
    if (!isValidName(name)) {
      throw new ConfigException(source, keyPath, "invalid variable name in ${" + name + "}");
    }
    Optional<String> value = lookup(name, keyPath);
    if (separator >= 0) {
      String fallback = expression.substring(separator + 2);
      return value.filter(v -> !v.isEmpty()).orElse(fallback);
    }
    return value.orElseThrow(() -> new ConfigException(
        source, keyPath, "variable " + name + " is not set (nor " + name + "_FILE); set it or write ${" + name + ":-default}"));
  }

  private Optional<String> lookup(String name, String keyPath) throws ConfigException {
    try {
      return Secrets.fromEnv(name, env);
    } catch (ConfigException e) {
      throw new ConfigException(source, keyPath, "variable " + name + ": " + e.getMessage(), e);
    }
  }

  static boolean isValidName(String name) {
    if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
