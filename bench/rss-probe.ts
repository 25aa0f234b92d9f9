// Preloaded (`node --import ./bench/rss-probe.ts …`) by bench/scale.ts: writes the process's peak
// resident set size to the file RSS_PROBE_OUT names when it exits, whatever script it ran.
import { writeFileSync } from "node:fs";

const out = process.env.RSS_PROBE_OUT;
if (out) process.on("exit", () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
