package dev.clincher.gateway.channel.telegram;

import dev.clincher.gateway.channel.access.AccessSettings;
import dev.clincher.gateway.channel.access.DmPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway config's {@code channels.telegram} section, checked when the config is loaded (an error names the key).
 * The token and the webhook secret are read from files, never given inline.
 *
 * @param enabled whether the gateway runs the bot (default false)
 * @param tokenFile the file holding BotFather's token (required when enabled)
 * @param mode {@code polling} (default) or {@code webhook}
 * @param webhookUrl the public https URL Telegram POSTs updates to (webhook mode)
 * @param webhookPath the path the gateway serves the webhook at (default: the URL's path)
 * @param webhookSecretFile the file holding the secret Telegram sends with every update (webhook mode)
 * @param dmPolicy {@code pairing} (default), {@code allowlist} or {@code disabled}
 * @param allowFrom Telegram user ids always answered in direct chats
 * @param groups group chat ids the bot answers in (when mentioned or replied to)
 * @param agent the agent the chats talk to (default {@code main})
 * @param apiUrl the Bot API's base URL (default {@code https://api.telegram.org}; a Bot API server of your own)
 * @param pollTimeout how long one {@code getUpdates} waits for updates (default 30s, 1s to 50s)
 * @param maxFileBytes the largest document or photo taken from a user (default and most 20 MiB, the Bot API's
 *     download limit)
 */
public record TelegramConfig(Boolean enabled, String tokenFile, String mode, String webhookUrl, String webhookPath,
    String webhookSecretFile, String dmPolicy, List<String> allowFrom, List<String> groups, String agent,
    String apiUrl, String pollTimeout, Long maxFileBytes) {
  /** The Bot API's limit for a file a bot downloads, and the default cap. */
  public static final long TELEGRAM_FILE_LIMIT = 20L * 1024 * 1024;
  private static final Pattern USER_ID = Pattern.compile("[0-9]{1,20}");
  private static final Pattern CHAT_ID = Pattern.compile("-?[0-9]{1,20}");
  private static final Pattern POLL_TIMEOUT = Pattern.compile("([0-9]{1,2})s");
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_-]{1,64}){1,4}");
  /** Paths the gateway serves itself; a webhook may not shadow them (they stay behind the token). */
  private static final List<String> RESERVED = List.of("/v1", "/health", "/metrics");
  /** The section when the config has none (declared after the patterns its constructor reads). */
  public static final TelegramConfig DISABLED = new TelegramConfig(false, null, null, null, null, null, null, null,
      null, null, null, null, null);

  public TelegramConfig {
    enabled = enabled != null && enabled;
    mode = mode == null ? "polling" : mode.toLowerCase(Locale.ROOT);
    dmPolicy = dmPolicy == null ? "pairing" : dmPolicy;
    allowFrom = allowFrom == null ? List.of() : List.copyOf(allowFrom);
    groups = groups == null ? List.of() : List.copyOf(groups);
    agent = agent == null ? "main" : agent;
    apiUrl = apiUrl == null ? BotApiSettings.TELEGRAM.toString() : apiUrl;
    pollTimeout = pollTimeout == null ? "30s" : pollTimeout;
    maxFileBytes = maxFileBytes == null ? TELEGRAM_FILE_LIMIT : maxFileBytes;
    if (maxFileBytes < 1 || maxFileBytes > TELEGRAM_FILE_LIMIT) {
      throw new IllegalArgumentException("max_file_bytes must be between 1 and " + TELEGRAM_FILE_LIMIT
          + " (20 MiB, the Bot API's download limit)");
    }
    Matcher poll = POLL_TIMEOUT.matcher(pollTimeout);
    if (!poll.matches() || Integer.parseInt(poll.group(1)) < 1 || Integer.parseInt(poll.group(1)) > 50) {
      throw new IllegalArgumentException("poll_timeout must be between 1s and 50s");
    }
    DmPolicy.parse(dmPolicy);
    allowFrom.forEach(id -> check(USER_ID, id, "allow_from holds Telegram user ids (digits)"));
    groups.forEach(id -> check(CHAT_ID, id, "groups holds Telegram chat ids (digits, a group's start with -)"));
    if (!List.of("polling", "webhook").contains(mode)) {
      throw new IllegalArgumentException("mode must be polling or webhook");
    }
    if (!apiUrl.startsWith("https://") && !apiUrl.startsWith("http://")) {
      throw new IllegalArgumentException("api_url must be an http(s) URL");
    }
    if (enabled && (tokenFile == null || tokenFile.isBlank())) {
      throw new IllegalArgumentException("token_file is required when enabled (the token from BotFather)");
    }
    if (enabled && mode.equals("webhook")) {
      webhookPath = checkWebhook(webhookUrl, webhookPath, webhookSecretFile);
    }
  }

  private static String checkWebhook(String url, String path, String secretFile) {
    if (url == null || !url.startsWith("https://")) {
      throw new IllegalArgumentException("webhook_url is required in webhook mode, an https URL (Telegram's rule)");
    }
    if (secretFile == null || secretFile.isBlank()) {
      throw new IllegalArgumentException("webhook_secret_file is required in webhook mode");
    }
    String served = path == null ? URI.create(url).getPath() : path;
    if (served == null || !PATH.matcher(served).matches()) {
      throw new IllegalArgumentException("webhook_path must be a plain path like /telegram/webhook");
    }
    for (String reserved : RESERVED) {
      if (served.equals(reserved) || served.startsWith(reserved + "/")) {
        throw new IllegalArgumentException("webhook_path may not be under " + reserved + " (the gateway's own)");
      }
    }
    return served;
  }

  private static void check(Pattern pattern, String value, String message) {
    if (value == null || !pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The access rules of the section. */
  public AccessSettings access() {
    return new AccessSettings(DmPolicy.parse(dmPolicy), Set.copyOf(allowFrom), Set.copyOf(groups));
  }

  /** How long one {@code getUpdates} waits. */
  public Duration longPoll() {
    Matcher poll = POLL_TIMEOUT.matcher(pollTimeout);
    return Duration.ofSeconds(poll.matches() ? Integer.parseInt(poll.group(1)) : 30);
  }

  /** Where updates are received: empty for polling, else the webhook's public URL. */
  public Optional<URI> webhook() {
    return mode.equals("webhook") ? Optional.of(URI.create(webhookUrl)) : Optional.empty();
  }
}
