// Markdown for the Clincher web UI, rendered safely: the text is untrusted (a model or a tool wrote it), so it is
// never parsed as HTML. Elements are made with createElement and filled with textContent; raw HTML such as
// <script> or <img onerror> stays visible text. Links keep only http, https and mailto targets (anything else, such
// as javascript:, is shown as plain text) and open with rel="noopener noreferrer".
// Covered: paragraphs, line breaks, # headings, > quotes, - and 1. lists, ``` fenced code, ---, `code`, **bold**,
// *italic*, ~~strike~~, [text](url), <url> and bare http(s) URLs. Anything else is plain text.
"use strict";

const ClincherMarkdown = (() => {
  const SAFE_SCHEMES = ["http:", "https:", "mailto:"];
  const MAX_DEPTH = 8;
  const INLINE = new RegExp([
    /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/.source,               // 1,2: code span
    /\[([^\[\]\n]{1,500})\]\(\s*<?([^()\s<>]{1,2000})>?\s*\)/.source, // 3,4: link
    /\*\*(?=\S)([\s\S]*?\S)\*\*/.source,                        // 5: bold
    /(?<![\w\\])__(?=\S)([\s\S]*?\S)__(?!\w)/.source,            // 6: bold (not inside a word: snake__case)
    /\*(?=[^\s*])([\s\S]*?[^\s*])\*/.source,                    // 7: italic
    /(?<![\w\\])_(?=[^\s_])([\s\S]*?[^\s_])_(?!\w)/.source,     // 8: italic (not inside a word)
    /~~(?=\S)([\s\S]*?\S)~~/.source,                            // 9: strike
    /<((?:https?|mailto):[^\s<>]{1,2000})>/.source,             // 10: autolink
    /(https?:\/\/[^\s<>()]{1,2000}[^\s<>().,;:!?'"])/.source,   // 11: bare URL
  ].join("|"), "g");

  /** The URL if it is absolute and http, https or mailto; otherwise null (the link is then shown as text). */
  function safeHref(raw) {
    let url;
    try {
      url = new URL(raw);
    } catch (invalidOrRelative) {
      return null;
    }
    return SAFE_SCHEMES.includes(url.protocol) ? url.href : null;
  }

  function element(tag, children) {
    const node = document.createElement(tag);
    for (const child of children) { node.append(child); }
    return node;
  }

  function link(text, target, depth) {
    const href = safeHref(target);
    if (href === null) {
      return document.createTextNode(text === target ? text : text + " (" + target + ")");
    }
    const a = element("a", text === target ? [text] : inline(text, depth + 1));
    a.href = href;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    return a;
  }

  /** Inline Markdown as an array of DOM nodes. */
  function inline(text, depth = 0) {
    if (depth > MAX_DEPTH) { return [text]; }
    const nodes = [];
    let last = 0;
    INLINE.lastIndex = 0;
    const matches = [...text.matchAll(INLINE)];
    for (const m of matches) {
      if (m.index > last) { nodes.push(text.slice(last, m.index)); }
      last = m.index + m[0].length;
      if (m[2] !== undefined) { nodes.push(element("code", [m[2]])); }
      else if (m[3] !== undefined) { nodes.push(link(m[3], m[4], depth)); }
      else if (m[5] !== undefined || m[6] !== undefined) { nodes.push(element("strong", inline(m[5] ?? m[6], depth + 1))); }
      else if (m[7] !== undefined || m[8] !== undefined) { nodes.push(element("em", inline(m[7] ?? m[8], depth + 1))); }
      else if (m[9] !== undefined) { nodes.push(element("del", inline(m[9], depth + 1))); }
      else { nodes.push(link(m[10] ?? m[11], m[10] ?? m[11], depth)); }
    }
    if (last < text.length) { nodes.push(text.slice(last)); }
    return nodes;
  }

  /** A paragraph's lines, with line breaks kept. */
  function paragraph(lines) {
    const children = [];
    lines.forEach((line, i) => {
      if (i > 0) { children.push(document.createElement("br")); }
      children.push(...inline(line));
    });
    return element("p", children);
  }

  const FENCE = /^\s{0,3}(```|~~~)\s*([\w+-]*)\s*$/;
  const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
  const QUOTE = /^\s{0,3}>\s?(.*)$/;
  const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
  const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
  const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;

  /** Block Markdown as a DocumentFragment. */
  function render(text, depth = 0) {
    const out = document.createDocumentFragment();
    const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      let m;
      if (line.trim() === "") { i++; continue; }
      if ((m = FENCE.exec(line))) {
        const body = [];
        i++;
        while (i < lines.length && !lines[i].trim().startsWith(m[1])) { body.push(lines[i]); i++; }
        i++;
        const code = element("code", [body.join("\n")]);
        if (m[2]) { code.dataset.lang = m[2]; }
        out.append(element("pre", [code]));
      } else if ((m = HEADING.exec(line))) {
        out.append(element("h" + Math.min(6, m[1].length + 2), inline(m[2])));
        i++;
      } else if (RULE.test(line)) {
        out.append(document.createElement("hr"));
        i++;
      } else if (QUOTE.test(line) && depth < MAX_DEPTH) {
        const body = [];
        while (i < lines.length && (m = QUOTE.exec(lines[i]))) { body.push(m[1]); i++; }
        out.append(element("blockquote", [render(body.join("\n"), depth + 1)]));
      } else if (BULLET.test(line) || NUMBERED.test(line)) {
        const ordered = !BULLET.test(line);
        const pattern = ordered ? NUMBERED : BULLET;
        const list = document.createElement(ordered ? "ol" : "ul");
        if (ordered) { list.start = Number(NUMBERED.exec(line)[1]); }
        while (i < lines.length && (m = pattern.exec(lines[i]))) {
          const itemLines = [ordered ? m[2] : m[1]];
          i++;
          while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !pattern.test(lines[i])) {
            itemLines.push(lines[i].trim());
            i++;
          }
          list.append(element("li", [...paragraph(itemLines).childNodes]));
        }
        out.append(list);
      } else {
        const body = [];
        while (i < lines.length && lines[i].trim() !== "" && !FENCE.test(lines[i]) && !HEADING.test(lines[i])
            && !QUOTE.test(lines[i]) && !BULLET.test(lines[i]) && !NUMBERED.test(lines[i]) && !RULE.test(lines[i])) {
          body.push(lines[i]);
          i++;
        }
        out.append(paragraph(body));
      }
    }
    return out;
  }

  return { render, inline, safeHref };
})();
