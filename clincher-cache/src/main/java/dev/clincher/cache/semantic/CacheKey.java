package dev.clincher.cache.semantic;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * What a cached answer is filed under. The caller builds the three texts from a request; the cache only hashes them.
 *
 * @param scope    everything that must be equal for any reuse: the tenant (key, team, end user), the model group, the
 *                 system prompt, the tools, the sampling parameters, the conversation before the question. Two
 *                 requests with different scopes never share an entry, exact or semantic.
 * @param request  the whole normalised request: equal texts are an exact hit
 * @param question the text compared by meaning within the scope (the last user message); empty for exact-only
 */
public record CacheKey(String scope, String request, Optional<String> question) {

  public CacheKey {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(question, "question");
  }

  /** SHA-256 of the scope, hex. */
  public String scopeHash() {
    return sha256("scope\0" + scope);
  }

  /** SHA-256 of scope and request, hex: the exact-match key (LiteLLM's {@code x-litellm-cache-key}). */
  public String exactHash() {
    return sha256("exact\0" + scope.length() + "\0" + scope + "\0" + request);
  }

  static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
