package dev.clincher.gateway.channel.telegram;

import dev.clincher.gateway.channel.InboundFile;

/**
 * Fetches a file a user sent: {@code getFile}, then the download, both through the egress like every Bot API call,
 * and never more than {@code maxBytes}: a size Telegram announces above the cap is refused before anything is
 * fetched, and the download stops at the cap ({@link BotApi#download}).
 */
final class TelegramFiles {
  private final BotApi api;
  private final long maxBytes;

  TelegramFiles(BotApi api, long maxBytes) {
    this.api = api;
    this.maxBytes = maxBytes;
  }

  InboundFile fetch(Update.Attachment attachment)
      throws BotApiException, FileRefusedException, InterruptedException {
    if (attachment.declaredSize() > maxBytes) {
      throw BotApi.tooLarge(maxBytes);
    }
    BotApi.FileLocation location = api.getFile(attachment.fileId());
    if (location.size() > maxBytes) {
      throw BotApi.tooLarge(maxBytes);
    }
    return new InboundFile(attachment.fileName(), api.download(location.filePath(), maxBytes));
  }
}
