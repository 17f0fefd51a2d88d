package dev.clincher.common.config;

import java.nio.file.Path;

/**
 * A configuration problem found at start-up (or on reload): names the file, the key and the reason,
 * so an operator can fix it without reading code. Never carries secret values.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String key;
  private final String reason;

  public ConfigException(String source, String key, String reason) {
    this(source, key, reason, null);
  }

  public ConfigException(String source, String key, String reason, Throwable cause) {
    super(format(source, key, reason), cause);
    this.source = source;
    this.key = key;
    this.reason = reason;
  }

  public ConfigException(Path file, String key, String reason) {
    this(file.toString(), key, reason, null);
  }

  /** The file, flag or variable the value came from, e.g. {@code /etc/smokescreen/acl.yaml} or {@code --deny-range}. */
  public String source() {
    return source;
  }

  /** The key path inside the source, e.g. {@code default.allowed_domains[3]}; empty for the whole source. */
  public String key() {
    return key;
  }

  public String reason() {
    return reason;
  }

  private static String format(String source, String key, String reason) {
    StringBuilder text = new StringBuilder(source == null ? "<config>" : source);
    if (key != null && !key.isEmpty()) {
      text.append(": ").append(key);
    }
    return text.append(": ").append(reason).toString();
  }
}
