import { Fragment, type ReactNode } from "react";
import { type Inline, parseMarkdown } from "../preview/markdown.js";

function renderInline(inline: Inline[]): ReactNode {
  return inline.map((span, i) => {
    const key = `${i}:${span.kind}`;
    switch (span.kind) {
      case "code":
        return <code key={key}>{span.text}</code>;
      case "strong":
        return <strong key={key}>{span.text}</strong>;
      case "em":
        return <em key={key}>{span.text}</em>;
      case "link":
        return (
          <a key={key} href={span.href} rel="noopener noreferrer nofollow" target="_blank">
            {span.text}
          </a>
        );
      default:
        return <Fragment key={key}>{span.text}</Fragment>;
    }
  });
}

/** Markdown rendered as React elements (never as injected HTML: see parseMarkdown). */
export function MarkdownView(props: { source: string }) {
  const blocks = parseMarkdown(props.source);
  return (
    <div className="markdown" data-testid="markdown-preview">
      {blocks.map((b, i) => {
        const key = `${i}:${b.kind}`;
        switch (b.kind) {
          case "heading": {
            const Tag = `h${Math.min(6, b.level + 2)}` as "h3";
            return <Tag key={key}>{renderInline(b.inline)}</Tag>;
          }
          case "paragraph":
            return <p key={key}>{renderInline(b.inline)}</p>;
          case "quote":
            return <blockquote key={key}>{renderInline(b.inline)}</blockquote>;
          case "code":
            return (
              <pre key={key} className="code">
                {b.text}
              </pre>
            );
          case "rule":
            return <hr key={key} />;
          case "list": {
            const items = b.items.map((item, j) => <li key={j}>{renderInline(item)}</li>);
            return b.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
          }
          default:
            return null;
        }
      })}
    </div>
  );
}
