package dev.clincher.app.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A compose service's command line, as a list, with {@code --name=value} and {@code --name value} read alike. */
record ServiceCommand(List<String> words) {

  static ServiceCommand of(Deployment deployment, String service) {
    List<Map<String, Object>> parts = deployment.service(service);
    return new ServiceCommand(ComposeChecks.last(parts, "command").map(ServiceCommand::split).orElse(List.of()));
  }

  private static List<String> split(Object command) {
    return command instanceof List<?> ? ComposeFile.strings(command) : List.of(String.valueOf(command).split("\\s+"));
  }

  /** Every value given to {@code option} (e.g. {@code --allow-range}). */
  List<String> values(String option) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i);
      if (word.startsWith(option + "=")) {
        values.add(word.substring(option.length() + 1));
      } else if (word.equals(option) && i + 1 < words.size()) {
        values.add(words.get(i + 1));
      }
    }
    return values;
  }

  boolean has(String flag) {
    return words.contains(flag) || words.stream().anyMatch(word -> word.startsWith(flag + "="));
  }
}
