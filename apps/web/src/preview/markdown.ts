/** An inline span of Markdown text. */
export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "strong"; text: string }
  | { kind: "em"; text: string }
  | { kind: "link"; text: string; href: string };

/** A block of a Markdown document. */
export type Block =
  | { kind: "heading"; level: number; inline: Inline[] }
  | { kind: "paragraph"; inline: Inline[] }
  | { kind: "list"; ordered: boolean; items: Inline[][] }
  | { kind: "code"; text: string }
  | { kind: "quote"; inline: Inline[] }
  | { kind: "rule" };

const INLINE =
  /(`[^`]+`)|(\*\*[^*]+\*\*|__[^_]+__)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/g;

/** Only these link targets are kept; anything else (`javascript:`, `data:`) becomes plain text. */
export function safeHref(href: string): string | null {
  return /^(https?:|mailto:|#|\/|\.\/|\.\.\/)/i.test(href) || !/^[a-z][a-z0-9+.-]*:/i.test(href)
    ? href
    : null;
}

/** Inline Markdown: code, strong, emphasis and links; everything else is text. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ kind: "text", text: text.slice(last, at) });
    const [whole] = m;
    if (m[1]) out.push({ kind: "code", text: whole.slice(1, -1) });
    else if (m[2]) out.push({ kind: "strong", text: whole.slice(2, -2) });
    else if (m[3]) out.push({ kind: "em", text: whole.slice(1, -1) });
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(whole);
      const href = link?.[2] ? safeHref(link[2]) : null;
      out.push(
        href && link?.[1] ? { kind: "link", text: link[1], href } : { kind: "text", text: whole },
      );
    }
    last = at + whole.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

/**
 * A small Markdown subset (headings, paragraphs, lists, fenced code, quotes, rules) parsed into
 * blocks that are rendered as React elements: no HTML string is ever injected, so a file cannot
 * run script in the app (raw HTML in the file shows as text).
 */
export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0)
      blocks.push({ kind: "paragraph", inline: parseInline(paragraph.join(" ")) });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const fence = /^```/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !/^```/.test(lines[i] ?? ""); i++) code.push(lines[i] ?? "");
      blocks.push({ kind: "code", text: code.join("\n") });
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (heading?.[1]) {
      flush();
      blocks.push({
        kind: "heading",
        level: heading[1].length,
        inline: parseInline(heading[2] ?? ""),
      });
    } else if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      blocks.push({ kind: "rule" });
    } else if (item) {
      flush();
      const ordered = /\d/.test(item[1] ?? "");
      const prev = blocks[blocks.length - 1];
      const inline = parseInline(item[2] ?? "");
      if (prev?.kind === "list" && prev.ordered === ordered) prev.items.push(inline);
      else blocks.push({ kind: "list", ordered, items: [inline] });
    } else if (line.startsWith(">")) {
      flush();
      blocks.push({ kind: "quote", inline: parseInline(line.replace(/^>\s?/, "")) });
    } else if (line.trim() === "") flush();
    else paragraph.push(line.trim());
  }
  flush();
  return blocks;
}
