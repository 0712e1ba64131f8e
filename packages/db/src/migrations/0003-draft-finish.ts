/**
 * What a distributed draft's finish needs to remember between the request and the job that
 * commits it (possibly in another process, possibly after a worker crash): the requested tags and
 * TTL, who finished it with which project role (protected aliases are authorised at request time
 * and the job must not widen that), the finishing run, and — when the commit fails for a reason
 * no retry can fix — the failure, so `artifacts.draftStatus` can report it (status `failed`).
 */
export const sql = `
alter table drafts drop constraint drafts_status_check;
alter table drafts add constraint drafts_status_check check (status in ('open', 'finishing', 'finished', 'failed'));
alter table drafts add column requested_tags text[];
alter table drafts add column requested_ttl text;
alter table drafts add column finish_run_id text;
alter table drafts add column finished_by text references entities (id) on delete set null;
alter table drafts add column finish_role text check (finish_role in ('anonymous', 'user', 'member', 'admin'));
alter table drafts add column failure_code text;
alter table drafts add column failure_message text;
create index drafts_active_idx on drafts (status) where status in ('open', 'finishing');
`;
