package dev.clincher.gateway.channel.telegram;

import dev.clincher.common.config.ConfigException;
import dev.clincher.common.config.Secret;
import dev.clincher.common.config.Secrets;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A bot's token from BotFather ({@code 123456:ABC-def…}). The Bot API puts it in the URL path, so every text that
 * may hold a URL passes through {@link #redact} before it is logged or thrown; {@link #toString()} shows only the
 * bot's numeric id.
 */
public final class BotToken {
  private static final Pattern FORMAT = Pattern.compile("[0-9]{1,20}:[A-Za-z0-9_-]{20,100}");
  static final String REDACTED = "<token>";

  private final Secret secret;

  private BotToken(Secret secret) {
    this.secret = secret;
  }

  /** Wraps a token, checking its shape (the message never repeats the value). */
  public static BotToken of(String value) {
    String token = value.strip();
    if (!FORMAT.matcher(token).matches()) {
      throw new IllegalArgumentException("not a Telegram bot token (expected digits, a colon and 20 or more letters)");
    }
    return new BotToken(Secret.of(token));
  }

  /** Reads the token from a secret file (private to its owner, as every secret file). */
  public static BotToken fromFile(Path file) throws ConfigException {
    String value = Secrets.readSecretFile(file);
    try {
      return of(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file.toString(), "", e.getMessage());
    }
  }

  /** The bot's numeric id, the part before the colon: public, and what logs name the bot by. */
  public String botId() {
    String token = secret.reveal();
    return token.substring(0, token.indexOf(':'));
  }

  /** {@code text} with every occurrence of the token (and of its secret half) replaced. */
  public String redact(String text) {
    if (text == null) {
      return "";
    }
    String token = secret.reveal();
    String secretHalf = token.substring(token.indexOf(':') + 1);
    return text.replace(token, REDACTED).replace(secretHalf, REDACTED);
  }

  /** The path prefix of every Bot API method, {@code /bot<token>/}. Only for building request URIs. */
  String pathPrefix() {
    return "/bot" + secret.reveal() + "/";
  }

  @Override
  public String toString() {
    return "BotToken[bot " + botId() + "]";
  }
}
