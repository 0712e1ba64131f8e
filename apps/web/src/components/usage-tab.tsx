import { type UsageTarget, usageSnippets } from "../usage.js";
import { CopyButton } from "./copy-button.js";

/** The Usage tab: copyable snippets that fetch exactly this version. */
export function UsageTab(props: { target: UsageTarget }) {
  return (
    <div className="usage" data-testid="usage">
      <p className="muted">
        Each snippet pins <code>{props.target.version}</code>, so it keeps fetching these exact
        bytes even when aliases move.
      </p>
      {usageSnippets(props.target).map((s) => (
        <section key={s.id} aria-labelledby={`usage-${s.id}`} className="snippet">
          <header>
            <h3 id={`usage-${s.id}`}>{s.title}</h3>
            <CopyButton text={s.code} label={`Copy ${s.title} snippet`} />
          </header>
          <pre className="code" data-testid={`snippet-${s.id}`}>
            {s.code}
          </pre>
        </section>
      ))}
    </div>
  );
}
