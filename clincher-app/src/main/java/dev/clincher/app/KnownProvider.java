package dev.clincher.app;

import java.util.List;
import java.util.Optional;

/**
 * A hosted model provider that {@code clincher up} and {@code clincher deploy init} can set up from a key alone:
 * the variable its key is read from, the model a deployment's {@code default} points at, and the one host the
 * egress allowlist must open for it.
 */
public record KnownProvider(String name, String keyVariable, String defaultModel, String apiHost) {
  /** In order of preference: the first one with a key gives the model {@code default}. */
  public static final List<KnownProvider> ALL = List.of(
      new KnownProvider("anthropic", "ANTHROPIC_API_KEY", "anthropic/claude-sonnet-4-5", "api.anthropic.com"),
      new KnownProvider("openai", "OPENAI_API_KEY", "openai/gpt-4.1", "api.openai.com"),
      new KnownProvider("groq", "GROQ_API_KEY", "groq/llama-3.3-70b-versatile", "api.groq.com"));

  public static Optional<KnownProvider> named(String name) {
    return ALL.stream().filter(provider -> provider.name().equals(name)).findFirst();
  }

  /** The names, for messages: {@code anthropic, openai, groq}. */
  public static String names() {
    return String.join(", ", ALL.stream().map(KnownProvider::name).toList());
  }

  /** The file name of its key among a deployment's secrets: {@code openai_api_key}. */
  public String secretFileName() {
    return keyVariable.toLowerCase(java.util.Locale.ROOT);
  }
}
