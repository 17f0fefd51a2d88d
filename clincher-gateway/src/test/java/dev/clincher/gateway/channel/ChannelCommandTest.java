package dev.clincher.gateway.channel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChannelCommandTest {
  @Test
  void readsTheCommandsWithOrWithoutThisBotsName() {
    assertThat(ChannelCommand.parse("/new", "Clincher_Bot")).contains(ChannelCommand.NEW);
    assertThat(ChannelCommand.parse(" /ABORT \n", "clincher_bot")).contains(ChannelCommand.ABORT);
    assertThat(ChannelCommand.parse("/status@clincher_bot", "Clincher_Bot")).contains(ChannelCommand.STATUS);
  }

  @Test
  void anythingElseIsAMessageToTheAgent() {
    assertThat(ChannelCommand.parse("/new@other_bot", "clincher_bot")).isEmpty();
    assertThat(ChannelCommand.parse("/new please", "clincher_bot")).isEmpty();
    assertThat(ChannelCommand.parse("new", "clincher_bot")).isEmpty();
    assertThat(ChannelCommand.parse("/start", "clincher_bot")).isEmpty();
    assertThat(ChannelCommand.parse("", "clincher_bot")).isEmpty();
  }

  @Test
  void theAgentIsToldWhereTheFileIsThenTheCaption() {
    assertThat(ChannelRuns.withFileNote("", "/workspace/inbox/a.pdf", 12))
        .isEqualTo("[The user sent a file; it is in the workspace at /workspace/inbox/a.pdf (12 bytes).]");
    assertThat(ChannelRuns.withFileNote("summarise it", "/workspace/inbox/a.pdf", 12))
        .endsWith("(12 bytes).]\n\nsummarise it");
  }
}
