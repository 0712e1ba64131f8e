import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { formatJson, parseList } from "../format.js";
import { useTRPC } from "../query.js";
import { navigate } from "../router.js";
import type { OutputOf } from "../trpc.js";
import { FieldError } from "./status.js";

type Version = OutputOf<"artifacts.get">;

/** Invalidates what an edit of a version changes: every artifacts and lineage query. */
function useVersionMutations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.artifacts.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.lineage.pathKey() }),
    ]);
  };
  return {
    setAlias: useMutation(trpc.artifacts.setAlias.mutationOptions({ onSuccess })),
    removeAlias: useMutation(trpc.artifacts.removeAlias.mutationOptions({ onSuccess })),
    update: useMutation(trpc.artifacts.update.mutationOptions({ onSuccess })),
    remove: useMutation(trpc.artifacts.delete.mutationOptions({ onSuccess })),
  };
}

/** Parses the metadata text box: a JSON object, or a message saying what is wrong. */
export function parseMetadata(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value))
      return { ok: false, message: 'Metadata must be a JSON object, e.g. {"rows": 1200}.' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (error) {
    return { ok: false, message: `Metadata is not valid JSON: ${(error as Error).message}` };
  }
}

/**
 * Edits a version: aliases (set one / remove one: moving an alias is one atomic server call),
 * description, tags, metadata and TTL, and deletion. Shown only when the caller may write; the
 * server decides regardless. Alias changes never reset the text fields being edited, and each
 * form reports its own success or refusal next to it.
 */
export function EditVersion(props: { version: Version }) {
  const v = props.version;
  const selector = { entity: v.entity, project: v.project, ref: `${v.name}:${v.version}` };
  const m = useVersionMutations();
  const [alias, setAliasText] = useState("");
  const [aliasDone, setAliasDone] = useState<string | null>(null);
  const [description, setDescription] = useState(v.description ?? "");
  const [tags, setTags] = useState(v.tags.join(", "));
  const [metadata, setMetadata] = useState(formatJson(v.metadata));
  const [ttl, setTtl] = useState(v.ttl);
  const [saved, setSaved] = useState<string | null>(null);
  const [localProblem, setLocalProblem] = useState<string | null>(null);

  const addAlias = (event: FormEvent) => {
    event.preventDefault();
    const name = alias.trim();
    if (!name) return;
    setAliasDone(null);
    m.removeAlias.reset();
    m.setAlias.mutate(
      { ...selector, alias: name },
      {
        onSuccess: () => {
          setAliasText("");
          setAliasDone(`Alias ${name} now points at ${v.version}.`);
        },
      },
    );
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    setSaved(null);
    const meta = parseMetadata(metadata);
    if (!meta.ok) {
      setLocalProblem(meta.message);
      return;
    }
    setLocalProblem(null);
    m.update.mutate(
      {
        ...selector,
        description: description.trim() || null,
        tags: parseList(tags),
        metadata: meta.value as Record<string, never>,
        ...(ttl.trim() && ttl.trim() !== v.ttl ? { ttl: ttl.trim() } : {}),
      },
      { onSuccess: () => setSaved("Saved.") },
    );
  };
  const aliasError = m.setAlias.error ?? m.removeAlias.error;
  return (
    <div className="edit">
      <form className="inline-form" onSubmit={addAlias} aria-label="Set an alias">
        <label htmlFor="new-alias">Set alias</label>
        <input
          id="new-alias"
          value={alias}
          onChange={(e) => setAliasText(e.target.value)}
          placeholder="production"
          aria-describedby={aliasError ? "alias-problem" : undefined}
        />
        <button type="submit" disabled={m.setAlias.isPending}>
          Set alias
        </button>
      </form>
      <FieldError error={aliasError} id="alias-problem" />
      {aliasDone && !aliasError ? (
        <p role="status" className="ok">
          {aliasDone}
        </p>
      ) : null}
      {v.aliases.length > 0 ? (
        <ul className="chips" aria-label="Remove an alias">
          {v.aliases.map((a) => (
            <li key={a}>
              <button
                type="button"
                className="chip-button"
                aria-label={`Remove alias ${a}`}
                disabled={m.removeAlias.isPending || a === "latest"}
                title={a === "latest" ? "latest always follows the newest version" : undefined}
                onClick={() => {
                  setAliasDone(null);
                  m.setAlias.reset();
                  m.removeAlias.mutate(
                    { entity: v.entity, project: v.project, name: v.name, alias: a },
                    { onSuccess: () => setAliasDone(`Alias ${a} removed.`) },
                  );
                }}
              >
                {a} ✕
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <form onSubmit={save} aria-label="Edit description, tags, metadata and TTL" className="stack">
        <label htmlFor="description">Description</label>
        <textarea
          id="description"
          rows={3}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <label htmlFor="tags">Tags (comma separated)</label>
        <input id="tags" value={tags} onChange={(e) => setTags(e.target.value)} />
        <label htmlFor="metadata">Metadata (JSON object)</label>
        <textarea
          id="metadata"
          className="mono"
          rows={5}
          value={metadata}
          onChange={(e) => setMetadata(e.target.value)}
        />
        <label htmlFor="ttl">TTL (e.g. 30d, none, inherit)</label>
        <input id="ttl" value={ttl} onChange={(e) => setTtl(e.target.value)} />
        <button type="submit" disabled={m.update.isPending}>
          Save
        </button>
        {localProblem ? (
          <p className="error small" role="alert">
            {localProblem}
          </p>
        ) : (
          <FieldError error={m.update.error} />
        )}
        {saved && !m.update.error ? (
          <p role="status" className="ok">
            {saved}
          </p>
        ) : null}
      </form>
      <DeleteVersion version={v} mutation={m.remove} />
    </div>
  );
}

function DeleteVersion(props: {
  version: Version;
  mutation: ReturnType<typeof useVersionMutations>["remove"];
}) {
  const v = props.version;
  const [confirming, setConfirming] = useState(false);
  const [dropAliases, setDropAliases] = useState(false);
  const guarded = v.aliases.filter((a) => a !== "latest");
  if (!confirming)
    return (
      <p>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete {v.name}:{v.version}…
        </button>
      </p>
    );
  return (
    <fieldset className="confirm" aria-label="Confirm deletion">
      <p>
        Delete {v.name}:{v.version}? Its files stay readable by other versions that share them; this
        version can no longer be fetched.
      </p>
      {guarded.length > 0 ? (
        <label>
          <input
            type="checkbox"
            checked={dropAliases}
            onChange={(e) => setDropAliases(e.target.checked)}
          />{" "}
          Also remove its aliases ({guarded.join(", ")}) — without this the server refuses, so an
          alias in use never points at nothing.
        </label>
      ) : null}
      <p className="actions">
        <button
          type="button"
          className="danger"
          disabled={props.mutation.isPending}
          onClick={() =>
            props.mutation.mutate(
              {
                entity: v.entity,
                project: v.project,
                ref: `${v.name}:${v.version}`,
                ...(dropAliases ? { deleteAliases: true } : {}),
              },
              {
                onSuccess: () =>
                  navigate({
                    page: "collection",
                    entity: v.entity,
                    project: v.project,
                    name: v.name,
                  }),
              },
            )
          }
        >
          Delete
        </button>
        <button type="button" onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </p>
      <FieldError error={props.mutation.error} />
    </fieldset>
  );
}
