import { writeFileSync } from "node:fs";
import { openApiText } from "../http/openapi-route.js";

/**
 * Build step (`pnpm --filter @cairn/api build`): writes the OpenAPI document to the path given
 * (dist/openapi.json), so tools can generate clients without starting a server.
 */
const target = process.argv[2];
if (!target) throw new Error("usage: node dist/openapi/write-document.js <output.json>");
writeFileSync(target, openApiText());
