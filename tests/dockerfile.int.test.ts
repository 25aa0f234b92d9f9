import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "./helpers.js";
import { startServerProcess, stopProcess } from "./processes.js";

/**
 * No Docker engine here, so the Dockerfile's build stage is replayed step by step in a clean copy
 * of the repository (files git tracks or would track; nothing ignored): every COPY copies, every RUN runs (apt-get aside,
 * the tools are on this machine). If the file rots — a missing COPY, a script that was renamed —
 * this fails. Then the runtime stage's CMD starts the server and its HEALTHCHECK must pass.
 *
 * Like Docker's build cache, the `npm ci` layer (a minute: 400 packages and a native addon) is
 * reused when nothing it depends on changed: the Dockerfile up to that step, the bytes of every
 * file copied before it (package.json, package-lock.json, .npmrc) and the Node version and
 * platform. Any change there replays it; COACH_DOCKERFILE_NO_CACHE=1 always does.
 */
const work = mkdtempSync(join(tmpdir(), "dockerfile-"));
// rm and cp rather than fs.rmSync/cpSync: on this machine Node 20's recursive rmSync takes
// minutes over node_modules' 40,000 files, where rm -rf takes seconds.
const removeTree = (path: string) => execFileSync("rm", ["-rf", path]);
const copyTree = (from: string, to: string) => execFileSync("cp", ["-a", from, to]);
afterAll(() => removeTree(work));
const LAYER_CACHE = join(tmpdir(), "coach-dockerfile-npm-ci");

/** Replays `npm ci` into app/node_modules, or restores the node_modules it made for the same inputs. */
function npmCiLayer(key: string, run: () => void, app: string): void {
  const cached = join(LAYER_CACHE, key);
  if (process.env.COACH_DOCKERFILE_NO_CACHE !== "1" && existsSync(join(cached, "node_modules"))) {
    copyTree(join(cached, "node_modules"), join(app, "node_modules"));
    return;
  }
  run();
  // One entry: the layer for today's lockfile replaces any older one.
  removeTree(LAYER_CACHE);
  const staging = `${cached}.tmp-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  copyTree(join(app, "node_modules"), join(staging, "node_modules"));
  renameSync(staging, cached);
}

function parseBuildStage(dockerfile: string) {
  const lines = dockerfile.replace(/\\\n/gu, " ").split("\n").map((l) => l.trim());
  const steps: { op: string; args: string }[] = [];
  let stage = 0;
  for (const line of lines) {
    if (!line || line.startsWith("#")) continue;
    const [op, ...rest] = line.split(/\s+/u);
    if (op === "FROM") stage++;
    if (stage === 1) steps.push({ op: op!, args: rest.join(" ") });
  }
  return steps;
}

describe("Dockerfile", () => {
  it("build steps succeed in a clean copy of the repo and the image's command serves /healthz", async () => {
    const dockerfile = readFileSync(join(REPO, "Dockerfile"), "utf8");
    const source = join(work, "src-repo");
    const app = join(work, "app");
    mkdirSync(app, { recursive: true });
    for (const file of execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" }).split("\n").filter(Boolean)) {
      mkdirSync(dirname(join(source, file)), { recursive: true });
      cpSync(join(REPO, file), join(source, file));
    }
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    // What the layers so far were built from, as Docker's cache keys them.
    const layer = createHash("sha256").update(`${process.version} ${process.platform} ${process.arch}\n`);
    for (const { op, args } of parseBuildStage(dockerfile)) {
      layer.update(`${op} ${args}\n`);
      if (op === "COPY") {
        const parts = args.split(/\s+/u).filter((p) => !p.startsWith("--"));
        const dest = parts.pop()!;
        for (const p of parts) {
          if (statSync(join(source, p)).isFile()) layer.update(readFileSync(join(source, p)));
          cpSync(join(source, p), dest.endsWith("/") ? join(app, dest, p) : join(app, dest), { recursive: true });
        }
      } else if (op === "ENV") {
        const [key, value] = args.split("=");
        env[key!] = value!.startsWith("/app") ? join(app, value!.slice(5)) : value!;
      } else if (op === "RUN" && !args.startsWith("apt-get")) {
        const run = () => {
          const result = spawnSync("sh", ["-c", args], { cwd: app, env, encoding: "utf8" });
          expect(result.status, `RUN ${args}\n${result.stdout}\n${result.stderr}`).toBe(0);
        };
        if (args.startsWith("npm ci")) npmCiLayer(layer.copy().digest("hex"), run, app);
        else run();
      }
    }
    expect(dockerfile).toMatch(/^USER node$/mu);
    expect(dockerfile).toMatch(/^EXPOSE 3978$/mu);
    expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*\\\n[^\n]*\/healthz/mu);

    const cmd = JSON.parse(/^CMD (\[.*\])$/mu.exec(dockerfile)![1]!) as string[];
    expect(cmd[0]).toBe("node");
    const server = await startServerProcess({ DATA_DIR: env.DATA_DIR!, KNOWLEDGE_DIR: join(app, "knowledge"), NODE_ENV: "production" }, { cwd: app, args: cmd.slice(1) });
    // The index was built at image build time: the server loads it without rebuilding.
    expect(server.logs()).not.toMatch(/rebuilding/u);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await stopProcess(server.child);
  }, 300_000);
});
