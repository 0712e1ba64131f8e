/**
 * Deployment-wide settings shared by every server process, such as the HMAC secret that signs
 * byte-transfer URLs (created by the first server to start).
 */
export const sql = `
create table settings (
  key text primary key,
  value text not null,
  created_at timestamptz not null default now()
);
`;
