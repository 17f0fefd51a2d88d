package dev.clincher.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The monitoring host's files ({@code deploy/monitoring/}) as the tests read them: every PromQL expression of the
 * alert rules and the dashboards, and the metrics and labels each one uses.
 */
final class MonitoringFiles {
  /** {@code deploy/monitoring} of this checkout (the tests run in the module's directory). */
  static final Path DIRECTORY = Path.of("..", "deploy", "monitoring").toAbsolutePath().normalize();
  static final Path RULES = DIRECTORY.resolve("rules/clincher.yml");
  static final Path RULE_TESTS = DIRECTORY.resolve("rules/clincher_test.yml");
  static final Path DASHBOARDS = DIRECTORY.resolve("grafana/dashboards");

  private MonitoringFiles() {}

  /** One expression and where it is written ({@code rules: AlertName} or {@code overview.json: Panel title}). */
  record Expression(String where, String promql) {}

  /**
   * A metric named in an expression, with the labels its matchers name ({@code {status=~"5.."}} → {@code status}),
   * and {@code job}'s value when it is matched exactly.
   */
  record Selector(String metric, Set<String> labels, java.util.Optional<String> job) {}

  static List<Expression> ruleExpressions() throws IOException {
    List<Expression> expressions = new ArrayList<>();
    for (JsonNode group : new YAMLMapper().readTree(RULES.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        expressions.add(new Expression("rules: " + rule.path("alert").asText(), rule.path("expr").asText()));
      }
    }
    return expressions;
  }

  static List<Path> dashboards() throws IOException {
    try (Stream<Path> files = Files.list(DASHBOARDS)) {
      return files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
    }
  }

  static List<Expression> dashboardExpressions() throws IOException {
    List<Expression> expressions = new ArrayList<>();
    for (Path file : dashboards()) {
      for (JsonNode panel : new ObjectMapper().readTree(file.toFile()).path("panels")) {
        for (JsonNode target : panel.path("targets")) {
          expressions.add(new Expression(file.getFileName() + ": " + panel.path("title").asText(),
              target.path("expr").asText()));
        }
      }
    }
    return expressions;
  }

  private static final Pattern GROUPING =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
  private static final Pattern BRACES = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^}]*)}");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan");

  /** The labels of {@code by (…)}, {@code without (…)}, {@code on (…)} … clauses. */
  static Set<String> groupingLabels(String promql) {
    Set<String> labels = new LinkedHashSet<>();
    Matcher grouping = GROUPING.matcher(promql);
    while (grouping.find()) {
      for (String label : grouping.group(1).split(",")) {
        if (!label.isBlank()) {
          labels.add(label.strip());
        }
      }
    }
    return labels;
  }

  /** Every metric selector of {@code promql}: function names, keywords and grouping labels are not metrics. */
  static List<Selector> selectors(String promql) {
    List<Selector> selectors = new ArrayList<>();
    String rest = GROUPING.matcher(promql).replaceAll(" ");
    Matcher braces = BRACES.matcher(rest);
    StringBuilder bare = new StringBuilder();
    while (braces.find()) {
      Set<String> labels = new LinkedHashSet<>();
      java.util.Optional<String> job = java.util.Optional.empty();
      Matcher matcher = MATCHER.matcher(braces.group(2));
      while (matcher.find()) {
        labels.add(matcher.group(1));
        if (matcher.group(1).equals("job") && matcher.group(2).equals("=")) {
          job = java.util.Optional.of(matcher.group(3));
        }
      }
      if (braces.group(1) != null) {
        selectors.add(new Selector(braces.group(1), labels, job));
      }
      braces.appendReplacement(bare, " ");
    }
    braces.appendTail(bare);
    String names = bare.toString().replaceAll("\\[[^]]*]", " ").replaceAll("\"[^\"]*\"", " ");
    Matcher identifier = IDENTIFIER.matcher(names);
    while (identifier.find()) {
      String word = identifier.group();
      boolean call = names.substring(identifier.end()).stripLeading().startsWith("(");
      boolean number = identifier.start() > 0 && Character.isDigit(names.charAt(identifier.start() - 1));
      if (!call && !number && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
        selectors.add(new Selector(word, Set.of(), java.util.Optional.empty()));
      }
    }
    return selectors;
  }
}
