package dev.clincher.app.deploy;

import dev.clincher.app.KnownProvider;
import java.nio.file.Path;

/** A provider the deployment uses and the file its API key is copied from ({@code --provider-key openai=FILE}). */
public record ProviderKey(KnownProvider provider, Path file) {
  /** Reads {@code NAME=FILE}; the name must be a known provider. */
  public static ProviderKey parse(String text) {
    int equals = text.indexOf('=');
    if (equals <= 0 || equals == text.length() - 1) {
      throw new IllegalArgumentException("--provider-key takes NAME=FILE (NAME one of " + KnownProvider.names()
          + "), got '" + text + "'");
    }
    String name = text.substring(0, equals).trim();
    KnownProvider provider = KnownProvider.named(name).orElseThrow(() -> new IllegalArgumentException(
        "unknown provider '" + name + "' in --provider-key (known: " + KnownProvider.names() + ")"));
    return new ProviderKey(provider, Path.of(text.substring(equals + 1)));
  }
}
