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
  const report = index.ingest!;
  const vectors = index.manifest.vectors;
  process.stdout.write(
    `Indexed ${index.manifest.chunkCount} chunks from ${config.knowledgeDir}\n` +
      `  documents:  ${report.documents}: ${report.chunkedDocuments.length} chunked, ${report.embeddedDocuments.length} embedded (${report.embeddedChunks} chunks), ${report.documents - report.embeddedDocuments.length} reused (${report.reusedChunks} chunks)${report.reusedFrom ? ` from ${report.reusedFrom}` : ""}\n` +
      (report.embeddedDocuments.length > 0 && report.embeddedDocuments.length <= 10 ? `  embedded:   ${report.embeddedDocuments.join(", ")}\n` : "") +
      `  embedder:   ${index.manifest.embedder.id} (${index.manifest.embedder.dimensions} dimensions)\n` +
      `  vectors:    ${vectors.kind === "exact" ? "exact search" : `HNSW over ${vectors.sketchDimensions}-dimension sketches (M ${vectors.m}, efConstruction ${vectors.efConstruction}, efSearch ${vectors.efSearch}), full-vector ranking`}\n` +
      `  phases:     ${Object.entries(report.phasesMs).map(([name, phaseMs]) => `${name} ${phaseMs} ms`).join(", ")}\n` +
      `  index:      ${index.dir}\n` +
      `  guard:      intent classifier on ${guard.examples} examples in ${guard.languages} languages (${guard.features}), ${guardMs} ms\n` +
      // CPU time too: on a shared machine the wall-clock time says as much about the neighbours.
      `  time:       ${ms} ms (CPU ${Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000)} ms)\n`,
  );
} catch (error) {
  const e = asCoachError(error);
  process.stderr.write(`${e.code}: ${e.message}\n`);
  process.exitCode = 1;
}
