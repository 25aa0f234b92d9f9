import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readZip } from "../scripts/zip.js";
import { pngInfo } from "../scripts/png.js";
import { REPO, type Json } from "./helpers.js";
import { teamsManifestSchema } from "./platform-schemas.js";

/** Beyond the schema: the icons the manifest names must be in the zip (Teams refuses the upload otherwise). */
function missingIcons(m: Json, files: Map<string, Buffer>): string[] {
  return ["color", "outline"].filter((icon) => !files.has(m.icons?.[icon])).map((icon) => `icons.${icon} (${String(m.icons?.[icon])}) missing from the zip`);
}

describe("npm run teams:package", () => {
  it("writes a zip whose manifest passes Microsoft's published schema for its version and whose icons have the required sizes", () => {
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
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/en-us/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`);
    expect(teamsManifestSchema(manifest.manifestVersion)(manifest)).toEqual([]);
    expect(missingIcons(manifest, files)).toEqual([]);
    expect(manifest.id).toBe("6a7b8c9d-1234-4abc-9def-0123456789ab");
    expect(manifest.bots[0].scopes).toEqual(["personal", "team", "groupChat"]);
    expect(manifest.validDomains).toEqual(["coach.plant.example"]);
    expect(pngInfo(files.get("color.png")!)).toMatchObject({ width: 192, height: 192 });
    const outline = pngInfo(files.get("outline.png")!);
    expect(outline).toMatchObject({ width: 32, height: 32, colorType: 6 }); // RGBA: transparent background
  });

  it("the schema check refuses what Teams refused: a developer name over 32 characters", () => {
    const template = JSON.parse(readFileSync(join(REPO, "adapters", "teams", "appPackage", "manifest.json"), "utf8")) as Json;
    const filled = JSON.parse(JSON.stringify(template).replaceAll("${{MicrosoftAppId}}", "6a7b8c9d-1234-4abc-9def-0123456789ab").replaceAll("${{BOT_DOMAIN}}", "coach.plant.example")) as Json;
    const check = teamsManifestSchema(filled.manifestVersion);
    expect(check(filled)).toEqual([]);
    expect(check({ ...filled, developer: { ...filled.developer, name: "Manufacturing AI PM Coach contributors" } })).toEqual([".developer.name: should NOT be longer than 32 characters"]);
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
