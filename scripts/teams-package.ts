/**
 * `npm run teams:package`: build the Teams app package an admin uploads —
 * dist/teams-app.zip with manifest.json (MicrosoftAppId and BOT_DOMAIN filled in), color.png
 * (192×192) and outline.png (32×32, white on transparent), the icons drawn by scripts/png.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { drawIcon } from "./png.js";
import { createZip } from "./zip.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const packageDir = join(repo, "adapters", "teams", "appPackage");
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

const appId = process.env.MicrosoftAppId?.trim() || "00000000-0000-0000-0000-000000000000";
const domain = process.env.BOT_DOMAIN?.trim() || "example.com";
const problems: string[] = [];
if (!GUID.test(appId)) problems.push(`MicrosoftAppId="${appId}" is not a GUID: use the Azure Bot's Microsoft App ID.`);
if (!/^[a-z0-9.-]+(:\d+)?$/iu.test(domain)) problems.push(`BOT_DOMAIN="${domain}" must be a host name such as coach.example.com (no scheme, no path).`);
if (problems.length) {
  process.stderr.write(`${problems.join("\n")}\n`);
  process.exit(1);
}
if (!process.env.MicrosoftAppId) process.stderr.write("Note: MicrosoftAppId is not set; the package uses a placeholder id. Set it before uploading to Teams.\n");

const manifest = readFileSync(join(packageDir, "manifest.json"), "utf8").replaceAll("${{MicrosoftAppId}}", appId).replaceAll("${{BOT_DOMAIN}}", domain);
JSON.parse(manifest); // fail here, not in Teams, if the template is broken
const color = drawIcon(192, false);
const outline = drawIcon(32, true);
writeFileSync(join(packageDir, "color.png"), color);
writeFileSync(join(packageDir, "outline.png"), outline);

const out = process.env.TEAMS_PACKAGE_OUT ?? join(repo, "dist", "teams-app.zip");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, createZip([
  { name: "manifest.json", data: Buffer.from(manifest) },
  { name: "color.png", data: color },
  { name: "outline.png", data: outline },
]));
process.stdout.write(`Wrote ${out} (app id ${appId}, domain ${domain})\n`);
