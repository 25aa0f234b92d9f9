import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
 */
const work = mkdtempSync(join(tmpdir(), "dockerfile-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

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
    for (const { op, args } of parseBuildStage(dockerfile)) {
      if (op === "COPY") {
        const parts = args.split(/\s+/u).filter((p) => !p.startsWith("--"));
        const dest = parts.pop()!;
        for (const p of parts) cpSync(join(source, p), dest.endsWith("/") ? join(app, dest, p) : join(app, dest), { recursive: true });
      } else if (op === "ENV") {
        const [key, value] = args.split("=");
        env[key!] = value!.startsWith("/app") ? join(app, value!.slice(5)) : value!;
      } else if (op === "RUN" && !args.startsWith("apt-get")) {
        const result = spawnSync("sh", ["-c", args], { cwd: app, env, encoding: "utf8" });
        expect(result.status, `RUN ${args}\n${result.stdout}\n${result.stderr}`).toBe(0);
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
