// `npm start`'s first step: compile to dist/ (npm run build) when dist/ was never built or is
// older than any source or build setting, so a fresh clone or an edited source never starts stale
// code, and an unchanged tree starts at once. `--built` (the end of `npm run build`) only records
// that dist/ is up to date. Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// tsc leaves an unchanged output file alone, so its own files cannot say when it last ran.
const stamp = join(root, "dist", ".built");

if (process.argv.includes("--built")) {
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.exit(0);
}

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith(".ts") || path.endsWith(".json") ? stat.mtimeMs : 0;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), 0);
}

const sources = ["src", "adapters", "server", "tsconfig.json", "tsconfig.build.json", "package.json"].map((p) => join(root, p)).filter(existsSync);
const stale = !existsSync(stamp) || !existsSync(join(root, "dist", "server", "main.js")) || Math.max(...sources.map(newest)) > statSync(stamp).mtimeMs;
if (stale) {
  process.stderr.write("dist/ is missing or older than the sources: npm run build\n");
  const result = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  process.exit(result.status ?? 1);
}
