import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, type Json } from "./helpers.js";
import { slackManifestSchema } from "./platform-schemas.js";

describe("adapters/slack/manifest.json against Slack's published app-manifest schema", () => {
  const manifest = JSON.parse(readFileSync(join(REPO, "adapters", "slack", "manifest.json"), "utf8")) as Json;
  const check = slackManifestSchema();

  it("is a version 2 manifest that the schema accepts", () => {
    expect(manifest._metadata.major_version).toBe(2);
    expect(check(manifest)).toEqual([]);
  });

  it("the check refuses what Slack would: a name over 35 characters, an unknown setting, a bad colour", () => {
    expect(check({ ...manifest, display_information: { ...manifest.display_information, name: "Manufacturing AI Product Manager Coach" } })).toEqual([".display_information.name: should NOT be longer than 35 characters"]);
    expect(check({ ...manifest, settings: { ...manifest.settings, socket_mode: true } })).toEqual([".settings: should NOT have additional properties (socket_mode)"]);
    expect(check({ ...manifest, display_information: { ...manifest.display_information, background_color: "navy" } })).toEqual([expect.stringMatching(/^\.display_information\.background_color: /u)]);
  });
});
