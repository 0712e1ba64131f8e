/**
 * Disabling a user (`cairn users disable`): a disabled user's API keys stop working at once, but
 * the user, its projects and everything it logged stay (lineage keeps naming who did what).
 */
export const sql = `
alter table entities add column disabled_at timestamptz;
`;
