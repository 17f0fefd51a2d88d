package dev.clincher.gateway.channel.telegram;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** How Telegram reads a message's text: as the HTML subset {@link TelegramHtml} writes, or as it is. */
public enum ParseMode {
  HTML,
  PLAIN;

  void addTo(ObjectNode params) {
    if (this == HTML) {
      params.put("parse_mode", "HTML");
    }
  }
}
