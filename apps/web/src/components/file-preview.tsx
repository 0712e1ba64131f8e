import type { ManifestEntry } from "@cairn/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { formatBytes, formatJson } from "../format.js";
import {
  looksBinary,
  MAX_IMAGE_BYTES,
  PREVIEW_BYTES,
  parseDelimited,
  parseTableJson,
  previewKindOf,
} from "../preview/preview-kind.js";
import { useTRPCClient } from "../query.js";
import { CopyButton } from "./copy-button.js";
import { DataGrid } from "./data-grid.js";
import { MarkdownView } from "./markdown-view.js";
import { ErrorBox, Loading } from "./status.js";

type Selector = { entity: string; project: string; ref: string };

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  bmp: "image/bmp",
  svg: "image/svg+xml",
};

/** Fetches a signed byte URL for one stored file of a version (the server checks access). */
function useSignedUrl() {
  const client = useTRPCClient();
  return async (selector: Selector, digest: string) => {
    const { urls } = await client.artifacts.fileUrls.query({ ...selector, digests: [digest] });
    const url = urls[0];
    if (!url) throw new Error(`The server returned no URL for ${digest}.`);
    return url;
  };
}

/**
 * The first bytes of a file (all of it when small): a ranged GET on the signed byte URL the
 * server hands out, so a 10 GB file costs {@link PREVIEW_BYTES}.
 */
async function fetchHead(
  target: { url: string; headers: Record<string, string> },
  bytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const res = await fetch(target.url, {
    headers: { ...target.headers, range: `bytes=0-${bytes - 1}` },
    signal,
  });
  if (!res.ok) throw new Error(`Fetching the file failed: HTTP ${res.status}.`);
  // A server that ignores Range sends everything: keep only the head.
  return new Uint8Array(await res.arrayBuffer()).subarray(0, bytes);
}

/** Download through a fresh signed URL (a URL from minutes ago may have expired). */
function DownloadButton(props: { selector: Selector; entry: ManifestEntry }) {
  const signedUrl = useSignedUrl();
  const [problem, setProblem] = useState<string | null>(null);
  const name = props.entry.path.slice(props.entry.path.lastIndexOf("/") + 1);
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          setProblem(null);
          try {
            const target = await signedUrl(props.selector, props.entry.digest);
            const a = document.createElement("a");
            a.href = target.url;
            a.download = name;
            a.rel = "noopener";
            document.body.append(a);
            a.click();
            a.remove();
          } catch (error) {
            setProblem((error as Error).message);
          }
        }}
      >
        Download {formatBytes(props.entry.size)}
      </button>
      {problem ? (
        <span className="error small" role="alert">
          {problem}
        </span>
      ) : null}
    </>
  );
}

/**
 * A file of a version, looked inside: Cairn tables and CSV as a paged grid, JSON pretty printed,
 * Markdown rendered (safely), images shown, text as text; a large file shows its first bytes.
 * References have no bytes here: their URI is shown instead.
 */
export function FilePreview(props: {
  selector: Selector;
  entry: ManifestEntry;
  onClose?: () => void;
}) {
  const { selector, entry } = props;
  return (
    <section className="preview" aria-label={`Preview of ${entry.path}`} data-testid="file-preview">
      <header className="preview-head">
        <h3 className="mono" title={entry.path}>
          {entry.path}
        </h3>
        <CopyButton text={entry.path} label={`Copy path ${entry.path}`} />
        {entry.ref ? null : <DownloadButton selector={selector} entry={entry} />}
        {props.onClose ? (
          <button type="button" onClick={props.onClose} aria-label="Close preview">
            ✕
          </button>
        ) : null}
      </header>
      <p className="muted small mono">
        {formatBytes(entry.size)} · sha256 {entry.digest}
      </p>
      {entry.ref ? (
        <p>
          A reference: the bytes live at <code>{entry.ref}</code> and are not stored in Cairn.
        </p>
      ) : (
        <PreviewBody selector={selector} entry={entry} />
      )}
    </section>
  );
}

function PreviewBody(props: { selector: Selector; entry: ManifestEntry }) {
  const { selector, entry } = props;
  const kind = previewKindOf(entry.path);
  const signedUrl = useSignedUrl();
  const tooBigImage = kind === "image" && (entry.size ?? 0) > MAX_IMAGE_BYTES;
  const want = kind === "image" ? MAX_IMAGE_BYTES : PREVIEW_BYTES;
  const head = useQuery({
    queryKey: ["preview", selector.entity, selector.project, entry.digest, want],
    queryFn: async ({ signal }) => fetchHead(await signedUrl(selector, entry.digest), want, signal),
    enabled: !tooBigImage,
    staleTime: Number.POSITIVE_INFINITY,
  });
  if (tooBigImage)
    return (
      <p className="muted">
        This image is larger than {formatBytes(MAX_IMAGE_BYTES)}: download it to view.
      </p>
    );
  if (head.isPending) return <Loading what="preview" />;
  if (head.error) return <ErrorBox error={head.error} what={entry.path} />;
  const bytes = head.data;
  const partial = entry.size !== null && entry.size > bytes.length;
  if (kind === "image") return <ImagePreview bytes={bytes} path={entry.path} />;
  if (looksBinary(bytes))
    return <p className="muted">A binary file: no preview. Download it to open it.</p>;
  const text = new TextDecoder().decode(bytes);
  return (
    <>
      {partial ? (
        <p className="warning small" data-testid="preview-partial">
          Showing the first {formatBytes(bytes.length)} of {formatBytes(entry.size)}: download the
          file for all of it.
        </p>
      ) : null}
      <TextPreview kind={kind} text={text} partial={partial} path={entry.path} />
    </>
  );
}

function TextPreview(props: { kind: string; text: string; partial: boolean; path: string }) {
  const { kind, text, partial } = props;
  if (kind === "table" && !partial) {
    const table = parseTableJson(text);
    if (table) return <DataGrid columns={table.columns} rows={table.rows} label={props.path} />;
  }
  if (kind === "csv") {
    const rows = parseDelimited(
      text,
      props.path.toLowerCase().endsWith(".tsv") ? "\t" : ",",
      partial,
    );
    const [columns = [], ...body] = rows;
    return <DataGrid columns={columns} rows={body} label={props.path} partial={partial} />;
  }
  if (kind === "markdown") return <MarkdownView source={text} />;
  if ((kind === "json" || kind === "table") && !partial) {
    try {
      return (
        <pre className="code" data-testid="text-preview">
          {formatJson(JSON.parse(text))}
        </pre>
      );
    } catch {
      // Not valid JSON: show the text as it is.
    }
  }
  return (
    <pre className="code" data-testid="text-preview">
      {text}
    </pre>
  );
}

function ImagePreview(props: { bytes: Uint8Array; path: string }) {
  const ext = props.path.slice(props.path.lastIndexOf(".") + 1).toLowerCase();
  const url = useMemo(
    () =>
      URL.createObjectURL(
        new Blob([props.bytes as Uint8Array<ArrayBuffer>], {
          type: IMAGE_TYPES[ext] ?? "application/octet-stream",
        }),
      ),
    [props.bytes, ext],
  );
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  // An <img> never runs script, even for SVG.
  return <img className="image-preview" src={url} alt={props.path} data-testid="image-preview" />;
}
