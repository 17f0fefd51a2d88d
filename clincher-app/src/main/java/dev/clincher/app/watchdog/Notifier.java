package dev.clincher.app.watchdog;

import java.io.IOException;

/** Sends one text to a person: ntfy, Telegram, or only the log. */
interface Notifier {
  String name();

  void send(String title, String text) throws IOException;

  Notifier LOG_ONLY = new Notifier() {
    @Override
    public String name() {
      return "none";
    }

    @Override
    public void send(String title, String text) {}
  };
}
