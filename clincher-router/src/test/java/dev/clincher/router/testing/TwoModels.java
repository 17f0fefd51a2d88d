package dev.clincher.router.testing;

/** The config most key and team tests share: {@code model-a} and {@code model-b} on one provider, fallback a → b. */
public final class TwoModels {
  private TwoModels() {}

  /** The config YAML with both models at {@code apiBase} (the key is {@code FAKE_API_KEY}). */
  public static String config(String apiBase) {
    return """
        model_list:
          - model_name: model-a
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY}
          - model_name: model-b
            litellm_params: {model: openai/gpt-4.1, api_base: "%1$s", api_key: os.environ/FAKE_API_KEY}
        router_settings:
          disable_cooldowns: true
          fallbacks: [{"model-a": ["model-b"]}]
        """.formatted(apiBase);
  }
}
