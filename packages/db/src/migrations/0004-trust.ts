/**
 * The trust boundary (issue 14): an upload session remembers whether its target was a presigned
 * bucket PUT (`direct`), the only kind of single upload `blobs.complete` may complete. Sessions
 * are now opened for the acting user (`entity_id`), so a complete is matched to its uploader.
 */
export const sql = `
alter table upload_sessions add column direct boolean not null default false;
`;
