/**
 * The platforms' own published JSON schemas (committed under schemas/, sources in
 * schemas/README.md), compiled with Ajv: a manifest or card is valid when the platform says so,
 * not when our idea of the platform says so.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import Ajv from "ajv";
import { REPO } from "./helpers.js";

const require = createRequire(import.meta.url);

/** Teams' manifest schema is draft-04 and the Adaptive Card schema draft-06 (with `id`, not `$id`). */
function ajv(): Ajv.Ajv {
  const instance = new Ajv({ schemaId: "auto", allErrors: true });
  instance.addMetaSchema(require("ajv/lib/refs/json-schema-draft-04.json") as object);
  instance.addMetaSchema(require("ajv/lib/refs/json-schema-draft-06.json") as object);
  // Slack's schema writes one pattern (background_color) as "regex", a keyword JSON Schema does not
  // have; checked as the pattern it is, so a bad colour is caught here and not by Slack.
  instance.addKeyword("regex", { type: "string", validate: (pattern: string, data: string) => new RegExp(pattern, "u").test(data.slice(0, 100)) });
  return instance;
}

export type SchemaCheck = (document: unknown) => string[];

/** A checker for one committed schema: the list of problems, as "/path: message", empty when valid. */
export function schemaCheck(relativePath: string): SchemaCheck {
  const validate = ajv().compile(JSON.parse(readFileSync(join(REPO, "schemas", relativePath), "utf8")) as object);
  return (document) => {
    if (validate(document)) return [];
    return (validate.errors ?? []).map((e) => `${e.dataPath || "/"}: ${e.message ?? e.keyword}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
  };
}

export const teamsManifestSchema = (manifestVersion: string): SchemaCheck => schemaCheck(`teams/v${manifestVersion}/MicrosoftTeams.schema.json`);
export const slackManifestSchema = (): SchemaCheck => schemaCheck("slack/manifest.schema.2.0.0.json");
export const adaptiveCardSchema = (): SchemaCheck => schemaCheck("adaptive-card/1.5.0/adaptive-card.json");
