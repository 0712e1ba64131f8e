import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { fitHeight, GridHead, GridRow } from "../components/grid-table.js";
import { ErrorBox, FieldError, Loading } from "../components/status.js";
import { VirtualList } from "../components/virtual-list.js";
import { formatDate, formatDuration, formatNumber } from "../format.js";
import { useTRPC } from "../query.js";
import { useTitle } from "../router.js";
import type { OutputOf } from "../trpc.js";

type Hook = OutputOf<"hooks.list">[number];
type Delivery = OutputOf<"hooks.deliveries">["deliveries"][number];

const COLUMNS = "minmax(150px, 1.6fr) 80px 80px 80px minmax(140px, 1.6fr) minmax(110px, 1fr) 100px";
const ROW = 36;

/** What a hook listens to, in words: "every event" when it has no filter. */
export function hookFilters(
  hook: Pick<Hook, "kinds" | "namePattern" | "typePattern" | "aliasPattern">,
): string {
  const parts = [
    hook.kinds.length > 0 ? hook.kinds.join(", ") : null,
    hook.namePattern ? `name ${hook.namePattern}` : null,
    hook.typePattern ? `type ${hook.typePattern}` : null,
    hook.aliasPattern ? `alias ${hook.aliasPattern}` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : "every event";
}

/**
 * A project's webhooks (its own and its entity's) and each one's delivery log, newest first, with
 * a redeliver button per delivery. Hooks are the project admins' business: anyone else gets the
 * server's refusal, said once.
 */
export function HooksPage(props: { entity: string; project: string }) {
  const { entity, project } = props;
  useTitle("Webhooks", `${entity}/${project}`);
  const trpc = useTRPC();
  const hooks = useQuery(trpc.hooks.list.queryOptions({ entity, project }));
  return (
    <section>
      <h1>Webhooks</h1>
      <p className="muted">
        Signed deliveries of {entity}/{project}’s events (Standard Webhooks). Create and remove
        hooks with <code>cairn hooks create</code> / <code>cairn hooks rm</code>.
      </p>
      {hooks.isPending ? <Loading what="webhooks" /> : null}
      {hooks.error ? (
        <ErrorBox error={hooks.error} what={`the webhooks of ${entity}/${project}`} />
      ) : null}
      {hooks.data?.length === 0 ? (
        <p className="muted">
          No webhooks yet: <code>cairn hooks create --project {project} URL</code>.
        </p>
      ) : null}
      {hooks.data?.map((hook) => (
        <HookSection key={hook.id} hook={hook} />
      ))}
    </section>
  );
}

function HookSection(props: { hook: Hook }) {
  const { hook } = props;
  return (
    <article className="hook" aria-label={`Webhook ${hook.url}`}>
      <h2 className="mono" title={hook.url}>
        {hook.url}
      </h2>
      <dl className="facts">
        <dt>Listens to</dt>
        <dd>{hookFilters(hook)}</dd>
        <dt>Scope</dt>
        <dd>{hook.project === null ? `every project of ${hook.entity}` : "this project"}</dd>
        <dt>State</dt>
        <dd data-testid="hook-state">
          {hook.enabled ? "enabled" : "disabled"} · {formatNumber(hook.pending)} pending ·{" "}
          {formatNumber(hook.failed)} failed
        </dd>
        {hook.description ? (
          <>
            <dt>Description</dt>
            <dd>{hook.description}</dd>
          </>
        ) : null}
        <dt>Id</dt>
        <dd className="mono small">{hook.id}</dd>
      </dl>
      <Deliveries hookId={hook.id} url={hook.url} />
    </article>
  );
}

function Deliveries(props: { hookId: string; url: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const deliveries = useQuery(trpc.hooks.deliveries.queryOptions({ id: props.hookId }));
  const redeliver = useMutation(
    trpc.hooks.redeliver.mutationOptions({
      onSuccess: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.hooks.deliveries.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.hooks.list.pathKey() }),
        ]),
    }),
  );
  if (deliveries.isPending) return <Loading what="deliveries" />;
  if (deliveries.error) return <ErrorBox error={deliveries.error} what="the delivery log" />;
  const rows = deliveries.data.deliveries;
  if (rows.length === 0) return <p className="muted">No deliveries yet.</p>;
  return (
    <>
      <FieldError error={redeliver.error} />
      <VirtualList
        label={`Deliveries to ${props.url}`}
        items={rows}
        rowHeight={ROW}
        height={fitHeight(rows.length, ROW, 400)}
        keyOf={(d) => String(d.id)}
        status={`${formatNumber(rows.length)} latest deliver${rows.length === 1 ? "y" : "ies"}`}
        header={
          <GridHead columns={COLUMNS}>
            <span>Event</span>
            <span>Status</span>
            <span>Attempts</span>
            <span>Latency</span>
            <span>Response</span>
            <span>Time</span>
            <span />
          </GridHead>
        }
        renderRow={(d) => (
          <GridRow columns={COLUMNS} className={`delivery ${d.status}`} testId="delivery-row">
            <span title={d.eventId}>
              {d.eventType} <span className="mono small muted">{d.eventId}</span>
            </span>
            <span className="change">{d.status}</span>
            <span className="num">{d.attempts}</span>
            <span className="num">{d.latencyMs === null ? "—" : formatDuration(d.latencyMs)}</span>
            <span className="small" title={response(d)}>
              {response(d)}
            </span>
            <span className="muted small" title={d.deliveredAt ?? d.nextAttemptAt ?? d.createdAt}>
              {formatDate(d.deliveredAt ?? d.createdAt)}
            </span>
            <button
              type="button"
              className="small"
              disabled={redeliver.isPending}
              onClick={() => redeliver.mutate({ id: props.hookId, deliveryId: d.id })}
              aria-label={`Redeliver ${d.eventType} ${d.eventId}`}
            >
              Redeliver
            </button>
          </GridRow>
        )}
      />
    </>
  );
}

/** The receiver's answer: HTTP status and the start of its body, or the error of the last try. */
function response(d: Delivery): string {
  const status = d.lastStatus === null ? null : `HTTP ${d.lastStatus}`;
  const text = d.responseExcerpt || d.lastError || null;
  return [status, text].filter(Boolean).join(" · ") || (d.status === "pending" ? "waiting" : "—");
}
