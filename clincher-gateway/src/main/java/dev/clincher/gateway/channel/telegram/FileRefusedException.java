package dev.clincher.gateway.channel.telegram;

/**
 * A file a user sent that the bot does not take: larger than {@code channels.telegram.max_file_bytes} (announced,
 * by its Content-Length, or counted while downloading), or a {@code file_path} that is not a plain relative path.
 */
public final class FileRefusedException extends Exception {
  private final String rule;

  FileRefusedException(String rule, String reason) {
    super(reason, null, false, false);
    this.rule = rule;
  }

  /** The machine name of the rule (log field): {@code file_too_large}, {@code file_path_invalid}. */
  public String rule() {
    return rule;
  }
}
