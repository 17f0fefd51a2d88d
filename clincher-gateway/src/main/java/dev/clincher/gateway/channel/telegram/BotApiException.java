package dev.clincher.gateway.channel.telegram;

import java.time.Duration;
import java.util.Optional;

/**
 * A Bot API call that failed: Telegram's {@code ok:false} answer ({@code error_code}, {@code description},
 * {@code parameters.retry_after}), or no answer at all ({@link #errorCode()} 0). The message never holds the token:
 * it is built only from redacted text, and no cause (whose message could name the URL) is attached.
 */
public final class BotApiException extends Exception {
  private final int errorCode;
  private final String description;
  private final Optional<Duration> retryAfter;

  BotApiException(String method, int errorCode, String description, Optional<Duration> retryAfter) {
    super(method + " failed: " + (errorCode == 0 ? "" : errorCode + " ") + description, null, false, false);
    this.errorCode = errorCode;
    this.description = description;
    this.retryAfter = retryAfter;
  }

  /** Telegram's {@code error_code} (the HTTP status), or 0 when Telegram could not be reached. */
  public int errorCode() {
    return errorCode;
  }

  /** Telegram's {@code description}, e.g. {@code Too Many Requests: retry after 5}. */
  public String description() {
    return description;
  }

  /** How long Telegram asked to wait ({@code parameters.retry_after}), for a 429. */
  public Optional<Duration> retryAfter() {
    return retryAfter;
  }

  /** Another client is polling this bot (a second {@code getUpdates}, or a webhook is set). */
  public boolean isConflict() {
    return errorCode == 409;
  }

  /** Telegram refused the text's HTML; the text can be sent again without a parse mode. */
  public boolean isEntityParseError() {
    return errorCode == 400 && description.contains("can't parse entities");
  }

  /** An edit that would not change the message: nothing to do. */
  public boolean isNotModified() {
    return errorCode == 400 && description.contains("message is not modified");
  }

  /** Worth another try later: Telegram unreachable, rate limited, or failing on its side. */
  public boolean isTransient() {
    return errorCode == 0 || errorCode == 429 || errorCode >= 500;
  }
}
