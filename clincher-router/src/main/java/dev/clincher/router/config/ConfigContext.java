package dev.clincher.router.config;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secrets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What reading one config file shares: the file name for errors, the environment for {@code os.environ/VAR}, and the
 * notices collected about ignored keys (each reported once, however many entries carry it).
 */
final class ConfigContext {
  /** LiteLLM's reference to an environment variable. */
  static final String ENV_PREFIX = "os.environ/";

  private final String source;
  private final Map<String, String> env;
  private final Map<String, String> notices = new LinkedHashMap<>();
  private final Map<String, Integer> noticeCounts = new LinkedHashMap<>();

  ConfigContext(String source, Map<String, String> env) {
    this.source = source;
    this.env = env;
  }

  ConfigException error(String keyPath, String reason) {
    return new ConfigException(source, keyPath, reason);
  }

  /** Records that {@code genericPath} was ignored for {@code reason}. */
  void notice(String genericPath, String reason) {
    notices.putIfAbsent(genericPath, reason);
    noticeCounts.merge(genericPath, 1, Integer::sum);
  }

  /** One line per ignored key, e.g. {@code model_list[*].model_info.max_budget (15 entries): ...}. */
  List<String> notices() {
    List<String> lines = new ArrayList<>();
    notices.forEach((path, reason) -> {
      int count = noticeCounts.get(path);
      lines.add(path + (count > 1 ? " (" + count + " entries)" : "") + ": " + reason);
    });
    return lines;
  }

  /** Resolves {@code os.environ/VAR} (also {@code VAR_FILE}); other text is returned as it is. */
  Optional<String> resolve(String keyPath, String text) throws ConfigException {
    if (!text.startsWith(ENV_PREFIX)) {
      return Optional.of(text);
    }
    String name = text.substring(ENV_PREFIX.length());
    try {
      return Secrets.fromEnv(name, env);
    } catch (ConfigException e) {
      throw new ConfigException(source, keyPath, e.getMessage(), e);
    }
  }

  /** The variable a value refers to, if it is an {@code os.environ/VAR} reference. */
  static Optional<String> variableName(String text) {
    return text.startsWith(ENV_PREFIX) ? Optional.of(text.substring(ENV_PREFIX.length())) : Optional.empty();
  }

  Map<String, String> env() {
    return env;
  }
}
