// Copies the screenshots the end-to-end suite wrote (to a temp folder) into docs/screenshots,
// for the README. Run after `pnpm vitest run --configLoader runner apps/web/test/e2e.test.ts`.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const from = process.env.CAIRN_SCREENSHOT_DIR ?? join(tmpdir(), "cairn-web-screenshots");
const to = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
if (!existsSync(from)) {
  console.error(`No screenshots in ${from}: run the web e2e suite first.`);
  process.exit(1);
}
mkdirSync(to, { recursive: true });
const pictures = readdirSync(from).filter((name) => name.endsWith(".png"));
for (const name of pictures) copyFileSync(join(from, name), join(to, name));
console.log(
  `Copied ${pictures.length} screenshot(s) from ${from} to ${to}: ${pictures.join(", ")}`,
);
