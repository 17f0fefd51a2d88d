package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MessageSplitterTest {
  final MessageSplitter splitter = new MessageSplitter(MessageSplitter.TELEGRAM_LIMIT);

  @Test
  void aShortTextIsOnePart() {
    assertThat(splitter.splitPlain("hello")).containsExactly("hello");
    assertThat(splitter.splitPlain("")).containsExactly("");
  }

  @Test
  void cutsAtTheLastParagraphThenLineThenSentenceThenWord() {
    String paragraph = "a".repeat(3000) + "\n\n" + "b".repeat(2000);
    assertThat(splitter.splitPlain(paragraph)).containsExactly("a".repeat(3000) + "\n\n", "b".repeat(2000));
    String line = "a".repeat(2500) + "\n" + "b".repeat(1000) + "\n" + "c".repeat(1000);
    assertThat(splitter.splitPlain(line).get(0)).endsWith("b\n").hasSize(3502);
    String sentence = "word ".repeat(500) + "end. " + "more ".repeat(500);
    assertThat(splitter.splitPlain(sentence).get(0)).endsWith("end. ");
    String words = "word ".repeat(1000);
    List<String> parts = splitter.splitPlain(words);
    assertThat(parts.get(0)).endsWith("word ").hasSizeLessThanOrEqualTo(4096);
    assertThat(String.join("", parts).equals(words)).isTrue();
  }

  @Test
  void aTextWithoutBoundariesIsCutHardAndNothingIsLost() {
    String text = "x".repeat(10_000);
    List<String> parts = splitter.splitPlain(text);
    assertThat(parts).extracting(String::length).containsExactly(4096, 4096, 1808);
    assertThat(String.join("", parts)).isEqualTo(text);
  }

  @Test
  void neverCutsASurrogatePair() {
    String text = "x".repeat(4095) + "😀" + "y".repeat(10);
    List<String> parts = splitter.splitPlain(text);
    assertThat(parts.get(0)).hasSize(4095);
    assertThat(parts.get(1)).startsWith("😀");
    for (String part : parts) {
      assertThat(Character.isLowSurrogate(part.charAt(0))).isFalse();
      assertThat(Character.isHighSurrogate(part.charAt(part.length() - 1))).isFalse();
    }
  }

  @Test
  void neverCutsAnEntity() {
    String html = "x".repeat(4094) + "&amp;" + "y".repeat(10);
    List<String> parts = splitter.splitHtml(html);
    assertThat(parts.get(0)).isEqualTo("x".repeat(4094));
    assertThat(parts.get(1)).startsWith("&amp;");
  }

  @Test
  void tagsOpenAtACutAreClosedAndReopened() {
    String html = "<b>" + "word ".repeat(1000) + "</b>";
    List<String> parts = splitter.splitHtml(html);
    assertThat(parts).hasSizeGreaterThan(1);
    for (String part : parts) {
      assertThat(part).hasSizeLessThanOrEqualTo(4096).startsWith("<b>").endsWith("</b>");
    }
  }

  @Test
  void neverCutsInsideATagAndKeepsLinksWhole() {
    String link = "<a href=\"https://example.com/" + "p".repeat(100) + "\">link</a>";
    String html = "x".repeat(4040) + link + " tail";
    List<String> parts = splitter.splitHtml(html);
    assertThat(parts.get(0)).doesNotContain("<a");
    assertThat(parts.get(1)).startsWith(link);
  }

  @Test
  void nestedTagsReopenInOrder() {
    String html = "<b><i>" + "z".repeat(5000) + "</i></b>";
    List<String> parts = splitter.splitHtml(html);
    assertThat(parts.get(0)).startsWith("<b><i>").endsWith("</i></b>").hasSizeLessThanOrEqualTo(4096);
    assertThat(parts.get(1)).startsWith("<b><i>").endsWith("</i></b>");
    String visible = String.join("", parts).replaceAll("<[^>]+>", "");
    assertThat(visible).isEqualTo("z".repeat(5000));
  }
}
