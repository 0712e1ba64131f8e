import { ErrorBox, Loading } from "../components/status.js";
import { formatBytes, shortDigest } from "../format.js";
import { useTrpcQuery } from "../query.js";

/** What changed between two versions: added, removed and changed paths, with totals. */
export function DiffPage(props: { entity: string; project: string; a: string; b: string }) {
  const { entity, project, a, b } = props;
  const diff = useTrpcQuery("artifacts.diff", { entity, project, a, b }, { enabled: !!a && !!b });
  return (
    <section>
      <h1>
        Diff {a} → {b}
      </h1>
      {!a || !b ? <p className="error">Name two versions to compare (a and b).</p> : null}
      {diff.isPending && a && b ? <Loading what="diff" /> : null}
      {diff.error ? <ErrorBox error={diff.error} /> : null}
      {diff.data ? (
        <>
          <p data-testid="diff-totals">
            {diff.data.totals.added} added · {diff.data.totals.removed} removed ·{" "}
            {diff.data.totals.changed} changed
          </p>
          <table className="diff">
            <caption className="sr-only">Changed paths</caption>
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Path</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {diff.data.added.map((e) => (
                <tr key={`+${e.path}`} className="added">
                  <td>added</td>
                  <td className="mono">{e.path}</td>
                  <td />
                  <td>
                    {formatBytes(e.size)}{" "}
                    <span className="mono small">{shortDigest(e.digest)}</span>
                  </td>
                </tr>
              ))}
              {diff.data.removed.map((e) => (
                <tr key={`-${e.path}`} className="removed">
                  <td>removed</td>
                  <td className="mono">{e.path}</td>
                  <td>
                    {formatBytes(e.size)}{" "}
                    <span className="mono small">{shortDigest(e.digest)}</span>
                  </td>
                  <td />
                </tr>
              ))}
              {diff.data.changed.map((c) => (
                <tr key={`~${c.path}`} className="changed">
                  <td>changed</td>
                  <td className="mono">{c.path}</td>
                  <td>
                    {formatBytes(c.before.size)}{" "}
                    <span className="mono small">{shortDigest(c.before.digest)}</span>
                  </td>
                  <td>
                    {formatBytes(c.after.size)}{" "}
                    <span className="mono small">{shortDigest(c.after.digest)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
