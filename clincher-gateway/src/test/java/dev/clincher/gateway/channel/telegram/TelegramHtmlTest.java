package dev.clincher.gateway.channel.telegram;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TelegramHtmlTest {
  @Test
  void rendersTheMarkdownModelsWrite() {
    assertThat(TelegramHtml.render("**bold** and *it* and `x < y`"))
        .isEqualTo("<b>bold</b> and <i>it</i> and <code>x &lt; y</code>");
    assertThat(TelegramHtml.render("# Title\ntext")).isEqualTo("<b>Title</b>\ntext");
    assertThat(TelegramHtml.render("see [docs](https://example.com/a?b=1&c=2)"))
        .isEqualTo("see <a href=\"https://example.com/a?b=1&amp;c=2\">docs</a>");
    assertThat(TelegramHtml.render("run:\n```sh\necho <hi> && ls\n```\ndone"))
        .isEqualTo("run:\n<pre>echo &lt;hi&gt; &amp;&amp; ls</pre>\ndone");
  }

  @Test
  void snakeCaseAndLoneStarsStayText() {
    assertThat(TelegramHtml.render("my_var_name is 2 * 3")).isEqualTo("my_var_name is 2 * 3");
    assertThat(TelegramHtml.render("a ** b")).isEqualTo("a ** b");
  }

  @Test
  void htmlAndScriptInTheModelsTextIsEscaped() {
    String html = TelegramHtml.render("<script>alert(1)</script> <b onclick=\"x\">hi</b> &amp; <a href=\"tg://x\">");
    assertThat(html).doesNotContain("<script", "<b onclick", "<a href=\"tg")
        .contains("&lt;script&gt;", "&amp;amp;");
  }

  @Test
  void onlyWebLinksBecomeLinks() {
    assertThat(TelegramHtml.render("[click](javascript:alert(1))")).isEqualTo("click");
    assertThat(TelegramHtml.render("[c](JavaScript:alert(1))")).isEqualTo("c");
    assertThat(TelegramHtml.render("[c](data:text/html;base64,xx)")).isEqualTo("c");
    assertThat(TelegramHtml.render("[c](tg://resolve?domain=x)")).isEqualTo("c");
    assertThat(TelegramHtml.render("[c](https://a.test/\"onmouseover=\"x)")).doesNotContain("href");
    assertThat(TelegramHtml.render("[**b**](http://a.test)")).isEqualTo("<a href=\"http://a.test\"><b>b</b></a>");
  }

  @Test
  void everyTagWrittenIsAllowedAndBalanced() {
    String html = TelegramHtml.render("**a *b* `c`** [d](https://e.test) _f_ <i>\n```\n<pre>\n```");
    java.util.regex.Matcher tags = java.util.regex.Pattern.compile("<(/?)([a-z]+)[^>]*>").matcher(html);
    java.util.Deque<String> open = new java.util.ArrayDeque<>();
    while (tags.find()) {
      assertThat(tags.group(2)).isIn("b", "i", "code", "pre", "a");
      if (tags.group(1).isEmpty()) {
        open.push(tags.group(2));
      } else {
        assertThat(open.pop()).isEqualTo(tags.group(2));
      }
    }
    assertThat(open).isEmpty();
  }
}
