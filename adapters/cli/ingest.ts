/** `npm run ingest`: (re)build the index from knowledge/ and print what was built. */
import { loadConfig } from "../../src/config.js";
import { buildIndex, embedderSpecOf } from "../../src/retrieval/index-store.js";
import { asCoachError } from "../../src/errors.js";
import { buildGuardModel } from "../../src/guardrails/guard-model-store.js";

const started = performance.now();
try {
  const config = loadConfig();
  const index = await buildIndex(config.knowledgeDir, config.dataDir, embedderSpecOf(config));
  // The safety/injection intent classifier is trained here too and recorded in the index manifest.
  const guardStarted = performance.now();
  const guard = buildGuardModel(config.knowledgeDir, index.dir);
  const guardMs = Math.round(performance.now() - guardStarted);
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    `Indexed ${index.manifest.chunkCount} chunks from ${config.knowledgeDir}\n` +
      `  embedder:   ${index.manifest.embedder.id} (${index.manifest.embedder.dimensions} dimensions)\n` +
      `  index:      ${index.dir}\n` +
      `  guard:      intent classifier on ${guard.examples} examples in ${guard.languages} languages (${guard.features}), ${guardMs} ms\n` +
      `  time:       ${ms} ms\n`,
  );
} catch (error) {
  const e = asCoachError(error);
  process.stderr.write(`${e.code}: ${e.message}\n`);
  process.exitCode = 1;
}
