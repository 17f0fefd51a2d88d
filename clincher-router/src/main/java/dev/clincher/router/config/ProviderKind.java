package dev.clincher.router.config;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * The providers a LiteLLM {@code model} string can name, with the wire protocol each speaks and its default base URL.
 *
 * <p>{@code groq/llama-3.3-70b-versatile} names provider {@link #GROQ} and upstream model {@code llama-3.3-70b-versatile}.
 * Without a prefix the provider is inferred from the model name the way LiteLLM does for the common families:
 * {@code claude-*} is Anthropic; {@code gpt-*}, {@code o1*}, {@code o3*}, {@code o4*}, {@code chatgpt-*} are OpenAI.
 */
public enum ProviderKind {
  OPENAI("openai", Protocol.OPENAI, "https://api.openai.com/v1"),
  ANTHROPIC("anthropic", Protocol.ANTHROPIC, "https://api.anthropic.com"),
  GROQ("groq", Protocol.OPENAI, "https://api.groq.com/openai/v1"),
  XAI("xai", Protocol.OPENAI, "https://api.x.ai/v1"),
  /** Gemini through Google's OpenAI-compatible endpoint. */
  GEMINI("gemini", Protocol.OPENAI, "https://generativelanguage.googleapis.com/v1beta/openai"),
  MISTRAL("mistral", Protocol.OPENAI, "https://api.mistral.ai/v1"),
  OPENROUTER("openrouter", Protocol.OPENAI, "https://openrouter.ai/api/v1"),
  DEEPSEEK("deepseek", Protocol.OPENAI, "https://api.deepseek.com/v1"),
  /** Ollama's OpenAI-compatible endpoint; {@code api_base} usually points elsewhere. */
  OLLAMA("ollama", Protocol.OPENAI, "http://localhost:11434/v1"),
  /** vLLM, llama.cpp server and other self-hosted OpenAI-compatible servers: {@code api_base} is required. */
  HOSTED_VLLM("hosted_vllm", Protocol.OPENAI, null),
  VOYAGE("voyage", Protocol.VOYAGE, "https://api.voyageai.com/v1");

  /** How requests are put on the wire. */
  public enum Protocol {
    /** OpenAI's {@code /chat/completions}: requests pass through as they are. */
    OPENAI,
    /** Anthropic's Messages API, translated both ways. */
    ANTHROPIC,
    /** Voyage AI: embeddings only (chat answers 501). */
    VOYAGE
  }

  private final String prefix;
  private final Protocol protocol;
  private final String defaultBase;

  ProviderKind(String prefix, Protocol protocol, String defaultBase) {
    this.prefix = prefix;
    this.protocol = protocol;
    this.defaultBase = defaultBase;
  }

  /** The prefix in LiteLLM model strings, e.g. {@code groq}. */
  public String prefix() {
    return prefix;
  }

  public Protocol protocol() {
    return protocol;
  }

  /** The provider's public endpoint, empty for self-hosted kinds that need {@code api_base}. */
  public Optional<URI> defaultBase() {
    return Optional.ofNullable(defaultBase).map(URI::create);
  }

  /** The kind whose prefix is {@code prefix}, if any. */
  public static Optional<ProviderKind> byPrefix(String prefix) {
    for (ProviderKind kind : values()) {
      if (kind.prefix.equals(prefix.toLowerCase(Locale.ROOT))) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }

  /** Infers the provider of a model name without prefix, LiteLLM-style; empty when it cannot tell. */
  public static Optional<ProviderKind> infer(String model) {
    String name = model.toLowerCase(Locale.ROOT);
    if (name.startsWith("claude")) {
      return Optional.of(ANTHROPIC);
    }
    if (name.startsWith("gpt-") || name.startsWith("chatgpt-") || name.matches("o[134](-.*)?")) {
      return Optional.of(OPENAI);
    }
    return Optional.empty();
  }
}
