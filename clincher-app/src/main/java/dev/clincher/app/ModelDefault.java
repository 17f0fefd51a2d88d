package dev.clincher.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the router's model {@code default} comes from under {@code clincher up}, first match wins:
 * <ol>
 *   <li>{@code --provider-url} (or {@code CLINCHER_PROVIDER_URL}) with {@code --model}: any OpenAI-compatible server
 *       (vLLM, LM Studio, llama.cpp, Ollama, a company gateway), its key from {@code CLINCHER_PROVIDER_API_KEY[_FILE]}
 *       if it needs one; the router reaches it directly ({@code NO_PROXY}), not through the egress;</li>
 *   <li>a {@code model_name: default} in clincher.yaml's router section;</li>
 *   <li>the first provider key in the environment ({@link KnownProvider}), through the egress;</li>
 *   <li>else a local Ollama on 127.0.0.1:11434.</li>
 * </ol>
 * {@code --model} also names the model of a provider key or of Ollama.
 *
 * @param deployments the model_list entries up adds (none when clincher.yaml's own default is used)
 * @param description what serves it and why, for the summary and the log
 * @param directHost  a host the router reaches without the egress (added to {@code NO_PROXY})
 * @param probe       a server to check before saying the provider is there (a URL's host and port)
 * @param fallback    true for the local Ollama nobody configured
 */
record ModelDefault(List<ObjectNode> deployments, String description, Optional<String> directHost,
    Optional<URI> probe, boolean fallback) {
  static final String NAME = "default";
  static final String PROVIDER_URL_VARIABLE = "CLINCHER_PROVIDER_URL";
  static final String PROVIDER_KEY_VARIABLE = "CLINCHER_PROVIDER_API_KEY";
  static final String OLLAMA_URL = "http://127.0.0.1:11434/v1";
  static final String OLLAMA_MODEL = "llama3.1";

  /**
   * Chooses, from the options, clincher.yaml's router section and the environment.
   *
   * @param providerUrl {@code --provider-url}, or null
   * @param givenModel  {@code --model}, or null (blank counts as not given)
   * @throws IllegalArgumentException for a provider URL that is not http(s), or one without a model
   */
  static ModelDefault choose(String providerUrl, String givenModel, JsonNode router, Map<String, String> env) {
    String model = givenModel == null || givenModel.isBlank() ? null : givenModel.strip();
    if (providerUrl != null && !providerUrl.isBlank()) {
      return providerUrl(providerUrl.strip(), model);
    }
    if (definesDefault(router)) {
      return new ModelDefault(List.of(), "model_name: default of clincher.yaml", Optional.empty(), Optional.empty(),
          false);
    }
    List<KnownProvider> keyed = KnownProvider.ALL.stream().filter(provider -> hasKey(provider, env)).toList();
    if (!keyed.isEmpty()) {
      return providerKeys(model == null ? keyed : keyed.subList(0, 1), model);
    }
    String name = model == null ? OLLAMA_MODEL : model;
    return new ModelDefault(List.of(deployment("openai/" + name, OLLAMA_URL, "ollama")),
        "openai/" + name + " at " + OLLAMA_URL + " (a local Ollama: no provider is configured)", Optional.empty(),
        Optional.of(URI.create(OLLAMA_URL)), true);
  }

  /**
   * Checks {@code --provider-url} and {@code --model} before anything is written or started.
   *
   * @throws IllegalArgumentException as {@link #choose} does
   */
  static void checkOptions(String providerUrl, String model) {
    if (providerUrl != null && !providerUrl.isBlank()) {
      checkedUrl(providerUrl.strip());
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("--provider-url needs --model NAME: the model name the server serves "
            + "(its GET " + providerUrl.strip().replaceAll("/+$", "") + "/models lists them)");
      }
    }
  }

  private static ModelDefault providerUrl(String url, String model) {
    checkOptions(url, model);
    URI uri = checkedUrl(url);
    ObjectNode entry = deployment("openai/" + model, url, "os.environ/" + PROVIDER_KEY_VARIABLE);
    return new ModelDefault(List.of(entry), "openai/" + model + " at " + url + " (--provider-url)",
        Optional.of(uri.getHost().replaceAll("^\\[|]$", "")), Optional.of(uri), false); // [::1] -> ::1
  }

  private static URI checkedUrl(String url) {
    try {
      URI uri = new URI(url);
      boolean web = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
      if (!web || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null) {
        throw new IllegalArgumentException("--provider-url must be an http:// or https:// URL without credentials or "
            + "a query, like http://127.0.0.1:8000/v1 (a key goes in " + PROVIDER_KEY_VARIABLE + "_FILE)");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--provider-url is not a valid URL");
    }
  }

  private static ModelDefault providerKeys(List<KnownProvider> providers, String model) {
    List<ObjectNode> entries = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (KnownProvider provider : providers) {
      String name = model == null ? provider.defaultModel() : provider.name() + "/" + model;
      entries.add(deployment(name, null, "os.environ/" + provider.keyVariable()));
      names.add(name + " (" + provider.keyVariable() + ")");
    }
    return new ModelDefault(entries, String.join(", ", names), Optional.empty(), Optional.empty(), false);
  }

  private static ObjectNode deployment(String model, String apiBase, String apiKey) {
    ObjectNode entry = JsonNodeFactory.instance.objectNode().put("model_name", NAME);
    ObjectNode params = entry.putObject("litellm_params").put("model", model);
    if (apiBase != null) {
      params.put("api_base", apiBase);
    }
    params.put("api_key", apiKey);
    return entry;
  }

  static boolean hasKey(KnownProvider provider, Map<String, String> env) {
    return env.containsKey(provider.keyVariable()) || env.containsKey(provider.keyVariable() + "_FILE");
  }

  private static boolean definesDefault(JsonNode router) {
    for (JsonNode entry : router.path("model_list")) {
      if (NAME.equals(entry.path("model_name").asText())) {
        return true;
      }
    }
    return false;
  }

  /**
   * clincher.yaml's router section with model {@code default} from here: a default of the file is replaced when
   * this one comes from {@code --provider-url}.
   */
  ObjectNode applyTo(ObjectNode router) {
    ObjectNode config = router.deepCopy();
    ArrayNode models = JsonNodeFactory.instance.arrayNode();
    for (JsonNode entry : router.path("model_list")) {
      if (deployments.isEmpty() || !NAME.equals(entry.path("model_name").asText())) {
        models.add(entry);
      }
    }
    deployments.forEach(models::add);
    config.set("model_list", models);
    return config;
  }
}
