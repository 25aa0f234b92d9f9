import { createRequire } from "node:module";

/**
 * botframework-connector 4.23's serializer drops every entity property it has no mapper for, so
 * Teams' citation and "AI generated" entity (schema.org Message with `citation`) would reach the
 * client as a bare `{type}`. Marking the Entity model as open (additionalProperties), which is what
 * botbuilder-js #2648 intended, keeps them. Applied once at start.
 */
export function allowCustomEntityProperties(): void {
  const require = createRequire(import.meta.url);
  const mappers = require("botframework-connector/lib/connectorApi/models/mappers") as { Entity?: { type: { additionalProperties?: unknown } } };
  if (mappers.Entity && !mappers.Entity.type.additionalProperties) mappers.Entity.type.additionalProperties = { type: { name: "Object" } };
}
