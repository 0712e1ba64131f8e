import { type FormEvent, useState } from "react";
import { parseList } from "../format.js";
import { useTrpcMutation } from "../query.js";
import type { OutputOf } from "../trpc.js";
import { ErrorBox } from "./status.js";

type Version = OutputOf<"artifacts.get">;

/**
 * Edits a version's aliases (set one / remove one: moving an alias is one atomic server call),
 * description and tags. Shown only when the caller may write; the server decides regardless and
 * its refusal (e.g. a protected alias) is shown as it phrased it.
 */
export function EditVersion(props: { version: Version }) {
  const v = props.version;
  const selector = { entity: v.entity, project: v.project, ref: `${v.name}:${v.version}` };
  const setAlias = useTrpcMutation("artifacts.setAlias", ["artifacts", "lineage"]);
  const removeAlias = useTrpcMutation("artifacts.removeAlias", ["artifacts", "lineage"]);
  const update = useTrpcMutation("artifacts.update", ["artifacts", "lineage"]);
  const [alias, setAliasText] = useState("");
  const [description, setDescription] = useState(v.description ?? "");
  const [tags, setTags] = useState(v.tags.join(", "));
  const [saved, setSaved] = useState<string | null>(null);

  const addAlias = (event: FormEvent) => {
    event.preventDefault();
    const name = alias.trim();
    if (!name) return;
    setAlias.mutate(
      { ...selector, alias: name },
      {
        onSuccess: () => {
          setAliasText("");
          setSaved(`Alias ${name} now points at ${v.version}.`);
        },
      },
    );
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    update.mutate(
      { ...selector, description: description.trim() || null, tags: parseList(tags) },
      { onSuccess: () => setSaved("Description and tags saved.") },
    );
  };
  const error = setAlias.error ?? removeAlias.error ?? update.error;
  return (
    <div className="edit">
      <form className="inline-form" onSubmit={addAlias} aria-label="Set an alias">
        <label htmlFor="new-alias">Set alias</label>
        <input
          id="new-alias"
          value={alias}
          onChange={(e) => setAliasText(e.target.value)}
          placeholder="production"
        />
        <button type="submit" disabled={setAlias.isPending}>
          Set alias
        </button>
      </form>
      {v.aliases.length > 0 ? (
        <ul className="chips" aria-label="Remove an alias">
          {v.aliases.map((a) => (
            <li key={a}>
              <button
                type="button"
                className="chip-button"
                aria-label={`Remove alias ${a}`}
                disabled={removeAlias.isPending || a === "latest"}
                title={a === "latest" ? "latest always follows the newest version" : undefined}
                onClick={() =>
                  removeAlias.mutate(
                    { entity: v.entity, project: v.project, name: v.name, alias: a },
                    { onSuccess: () => setSaved(`Alias ${a} removed.`) },
                  )
                }
              >
                {a} ✕
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <form onSubmit={save} aria-label="Edit description and tags" className="stack">
        <label htmlFor="description">Description</label>
        <textarea
          id="description"
          rows={3}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <label htmlFor="tags">Tags (comma separated)</label>
        <input id="tags" value={tags} onChange={(e) => setTags(e.target.value)} />
        <button type="submit" disabled={update.isPending}>
          Save
        </button>
      </form>
      {error ? <ErrorBox error={error} /> : null}
      {saved && !error ? (
        <p role="status" className="ok">
          {saved}
        </p>
      ) : null}
    </div>
  );
}
