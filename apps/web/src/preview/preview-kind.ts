/** How a file is previewed, chosen from its path. */
export type PreviewKind = "image" | "table" | "csv" | "json" | "markdown" | "text";

const IMAGE = /\.(png|jpe?g|gif|webp|avif|bmp|svg)$/i;
const TEXT =
  /\.(txt|log|py|ts|tsx|js|mjs|cjs|sh|yaml|yml|toml|ini|cfg|conf|xml|html|css|sql|r|jl|go|rs|java|c|h|cpp|hpp|ipynb|jsonl|ndjson|env|gitignore|dockerfile|makefile)$/i;

/** Bytes of a file fetched for a text preview; larger files show this much and offer a download. */
export const PREVIEW_BYTES = 256 * 1024;
/** Images up to this size are shown; larger ones are only downloadable. */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024;

/**
 * The preview of a path: Cairn tables (`*.table.json`) as a grid, CSV/TSV as a grid, JSON pretty
 * printed, Markdown rendered, images shown, other text as text. Unknown extensions are sniffed
 * from their bytes (see {@link looksBinary}), so `kind` is `text` for them.
 */
export function previewKindOf(path: string): PreviewKind {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (name.endsWith(".table.json")) return "table";
  if (IMAGE.test(name)) return "image";
  if (/\.(csv|tsv)$/i.test(name)) return "csv";
  if (/\.json$/i.test(name)) return "json";
  if (/\.(md|markdown)$/i.test(name)) return "markdown";
  if (TEXT.test(name) || !name.includes(".")) return "text";
  return "text";
}

/** Whether bytes are binary rather than text: a NUL byte, or invalid UTF-8, in the first 8 KiB. */
export function looksBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return true;
  try {
    // A multi-byte character cut at the end of the sample is fine: drop the last 3 bytes.
    new TextDecoder("utf-8", { fatal: true }).decode(
      head.length === bytes.length ? head : head.subarray(0, Math.max(0, head.length - 3)),
    );
    return false;
  } catch {
    return true;
  }
}

/**
 * Parses CSV (RFC 4180: quoted fields, doubled quotes, newlines in quotes) or TSV into rows.
 * A last line cut short by a partial fetch is dropped when `partial`.
 */
export function parseDelimited(text: string, delimiter: string, partial = false): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (!partial && (field !== "" || row.length > 0)) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The columns and rows of a Cairn table file (`{ _type: "table", columns, data }`), or null. */
export function parseTableJson(text: string): { columns: string[]; rows: unknown[][] } | null {
  try {
    const value = JSON.parse(text) as { _type?: unknown; columns?: unknown; data?: unknown };
    if (value._type !== "table" || !Array.isArray(value.columns) || !Array.isArray(value.data))
      return null;
    return { columns: value.columns.map(String), rows: value.data as unknown[][] };
  } catch {
    return null;
  }
}
