import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readZip } from "../scripts/zip.js";
import { pngInfo } from "../scripts/png.js";
import { REPO, type Json } from "./helpers.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;
const HTTPS = /^https:\/\/[^\s]+$/u;

/** The fields Teams requires of a bot app manifest, and their documented limits. */
function manifestProblems(m: Json, files: Map<string, Buffer>): string[] {
  const p: string[] = [];
  if (typeof m.$schema !== "string" || !m.$schema.includes("MicrosoftTeams.schema.json")) p.push("$schema");
  if (!/^1\.\d+$/u.test(m.manifestVersion ?? "")) p.push("manifestVersion");
  if (!/^\d+\.\d+\.\d+$/u.test(m.version ?? "")) p.push("version must be semver");
  if (!GUID.test(m.id ?? "")) p.push("id must be a GUID");
  for (const k of ["name", "websiteUrl", "privacyUrl", "termsOfUseUrl"]) if (!m.developer?.[k] || (k !== "name" && !HTTPS.test(m.developer[k]))) p.push(`developer.${k}`);
  if (!m.name?.short || m.name.short.length > 30) p.push("name.short (≤ 30)");
  if (m.name?.full && m.name.full.length > 100) p.push("name.full (≤ 100)");
  if (!m.description?.short || m.description.short.length > 80) p.push("description.short (≤ 80)");
  if (!m.description?.full || m.description.full.length > 4000) p.push("description.full (≤ 4000)");
  if (!/^#[0-9a-f]{6}$/iu.test(m.accentColor ?? "")) p.push("accentColor");
  for (const icon of ["color", "outline"]) if (!files.has(m.icons?.[icon])) p.push(`icons.${icon} missing from the zip`);
  const bot = m.bots?.[0];
  if (!bot || !GUID.test(bot.botId ?? "")) p.push("bots[0].botId must be a GUID");
  for (const s of bot?.scopes ?? []) if (!["personal", "team", "groupChat"].includes(s)) p.push(`bad scope ${s}`);
  for (const list of bot?.commandLists ?? []) {
    if (list.commands.length > 10) p.push("more than 10 commands");
    for (const c of list.commands) if (!c.title || c.title.length > 32 || !c.description || c.description.length > 128) p.push(`command ${c.title}`);
  }
  return p;
}

describe("npm run teams:package", () => {
  it("writes a zip whose manifest has what Teams requires and whose icons have the required sizes", () => {
    const out = join(mkdtempSync(join(tmpdir(), "teams-pkg-")), "app.zip");
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/teams-package.ts"], {
      cwd: REPO,
      env: { ...process.env, MicrosoftAppId: "6a7b8c9d-1234-4abc-9def-0123456789ab", BOT_DOMAIN: "coach.plant.example", TEAMS_PACKAGE_OUT: out },
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    const files = readZip(readFileSync(out));
    expect([...files.keys()].sort()).toEqual(["color.png", "manifest.json", "outline.png"]);
    const manifest = JSON.parse(files.get("manifest.json")!.toString("utf8")) as Json;
    expect(manifestProblems(manifest, files)).toEqual([]);
    expect(manifest.id).toBe("6a7b8c9d-1234-4abc-9def-0123456789ab");
    expect(manifest.bots[0].scopes).toEqual(["personal", "team", "groupChat"]);
    expect(manifest.validDomains).toEqual(["coach.plant.example"]);
    expect(pngInfo(files.get("color.png")!)).toMatchObject({ width: 192, height: 192 });
    const outline = pngInfo(files.get("outline.png")!);
    expect(outline).toMatchObject({ width: 32, height: 32, colorType: 6 }); // RGBA: transparent background
  });

  it("refuses an app id that is not a GUID, naming the variable", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/teams-package.ts"], {
      cwd: REPO,
      env: { ...process.env, MicrosoftAppId: "my-bot", TEAMS_PACKAGE_OUT: join(tmpdir(), "never.zip") },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/MicrosoftAppId="my-bot" is not a GUID/u);
  });
});
