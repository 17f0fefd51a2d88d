package dev.clincher.gateway.tools.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * Turns a response body into text the model reads: HTML ({@code text/html}, {@code application/xhtml+xml}) becomes
 * readable text with jsoup, without scripts, styles, hidden elements and other non-text parts; plain text, Markdown,
 * CSV and JSON ({@code application/json}, {@code *+json}) pass through. Other content types are refused.
 */
final class PageText {
  private static final Set<String> PASS_THROUGH = Set.of("text/plain", "text/markdown", "text/csv",
      "application/json", "text/json");
  private static final Set<String> HTML = Set.of("text/html", "application/xhtml+xml");
  private static final String DROPPED = "script, style, noscript, template, svg, canvas, iframe, object, embed, "
      + "video, audio, form, [hidden], [aria-hidden=true]";
  private static final Set<String> BLOCKS = Set.of("p", "div", "section", "article", "main", "header", "footer",
      "nav", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "pre", "blockquote", "br",
      "hr", "dl", "dt", "dd", "figure", "figcaption");

  private static final int MAX_TITLE = 300;

  /** The converted text and the page title (empty when none). */
  record Text(String title, String body) {}

  private PageText() {}

  /** The media type without parameters, lower case; empty when missing. */
  static String mediaType(Optional<String> contentType) {
    return contentType.map(t -> t.split(";", 2)[0].strip().toLowerCase(Locale.ROOT)).orElse("");
  }

  /** True when {@link #convert} can read this media type. */
  static boolean supported(String mediaType) {
    return HTML.contains(mediaType) || PASS_THROUGH.contains(mediaType)
        || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
  }

  static Text convert(String mediaType, Optional<String> contentType, byte[] body, String url) throws IOException {
    Optional<Charset> charset = charset(contentType);
    if (HTML.contains(mediaType)) {
      Document document = Jsoup.parse(new ByteArrayInputStream(body), charset.map(Charset::name).orElse(null), url);
      document.select(DROPPED).remove();
      String title = document.title().strip();
      return new Text(title.length() > MAX_TITLE ? title.substring(0, MAX_TITLE) + "..." : title,
          readable(document.body()));
    }
    return new Text("", new String(body, charset.orElse(StandardCharsets.UTF_8)));
  }

  private static Optional<Charset> charset(Optional<String> contentType) {
    for (String parameter : contentType.orElse("").split(";")) {
      String[] pair = parameter.strip().split("=", 2);
      if (pair.length == 2 && pair[0].strip().equalsIgnoreCase("charset")) {
        try {
          return Optional.of(Charset.forName(pair[1].strip().replace("\"", "")));
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /** The text of {@code root} with line breaks around block elements and runs of blank lines collapsed. */
  private static String readable(Element root) {
    if (root == null) {
      return "";
    }
    StringBuilder text = new StringBuilder();
    NodeTraversor.traverse(new NodeVisitor() {
      @Override
      public void head(Node node, int depth) {
        if (node instanceof TextNode textNode) {
          text.append(textNode.text());
        } else if (node instanceof Element element && BLOCKS.contains(element.normalName())) {
          text.append(element.normalName().equals("li") ? "\n- " : "\n");
        }
      }

      @Override
      public void tail(Node node, int depth) {
        if (node instanceof Element element && BLOCKS.contains(element.normalName())
            && !element.normalName().equals("li")) {
          text.append('\n');
        }
      }
    }, root);
    return text.toString().replaceAll("[ \\t\\x0B\\f\\r]+", " ").replaceAll(" *\\n *", "\n")
        .replaceAll("\\n{3,}", "\n\n").strip();
  }
}
