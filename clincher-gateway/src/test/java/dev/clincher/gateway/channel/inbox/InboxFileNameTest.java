package dev.clincher.gateway.channel.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Names users send are made safe: no path, no hidden file, no option, bounded, never empty. */
class InboxFileNameTest {

  @Test
  void pathSeparatorsAndTraversalLeaveOnlyTheLastSegment() {
    assertThat(InboxFileName.safe("../../etc/passwd")).isEqualTo("passwd");
    assertThat(InboxFileName.safe("..\\..\\Windows\\win.ini")).isEqualTo("win.ini");
    assertThat(InboxFileName.safe("/abs/report.pdf")).isEqualTo("report.pdf");
    assertThat(InboxFileName.safe("..")).isEqualTo("file");
    assertThat(InboxFileName.safe("a/..")).isEqualTo("file");
  }

  @Test
  void noHiddenFileNoOptionNoStrangeCharacters() {
    assertThat(InboxFileName.safe(".bashrc")).isEqualTo("bashrc");
    assertThat(InboxFileName.safe("...env")).isEqualTo("env");
    assertThat(InboxFileName.safe("-rf")).isEqualTo("rf");
    assertThat(InboxFileName.safe("my report (final).pdf")).isEqualTo("my_report__final_.pdf");
    assertThat(InboxFileName.safe("a\u0000b\nc$(id).txt")).isEqualTo("a_b_c__id_.txt");
    assertThat(InboxFileName.safe("отчёт.pdf")).isEqualTo("_____.pdf");
    assertThat(InboxFileName.safe("")).isEqualTo("file");
    assertThat(InboxFileName.safe("\u202e\u202e")).isEqualTo("file");
  }

  @Test
  void longNamesAreCappedKeepingTheExtensionAndNumbersFit() {
    String capped = InboxFileName.safe("a".repeat(300) + ".tar.gz");
    assertThat(capped).hasSize(InboxFileName.MAX_LENGTH).endsWith("a.gz");
    assertThat(InboxFileName.numbered(capped, 12)).hasSize(InboxFileName.MAX_LENGTH).endsWith("a-12.gz");
    assertThat(InboxFileName.numbered("report.pdf", 2)).isEqualTo("report-2.pdf");
    assertThat(InboxFileName.numbered("README", 3)).isEqualTo("README-3");
  }
}
