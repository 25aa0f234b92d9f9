import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project's root directory: the nearest one above this file that holds package.json. The same
 * from the sources under tsx (src/paths.ts) and from the compiled server (dist/src/paths.js), so
 * prompts/, knowledge/ and assets are never looked for next to a compiled file.
 */
export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return join(from, "..");
  }
}
