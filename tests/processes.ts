import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { REPO } from "./helpers.js";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  logs: () => string;
}

/** `npm start` as a real process (node + tsx), on a free port, ready when /healthz answers. */
export async function startServerProcess(env: Record<string, string>, where: { cwd?: string; args?: string[] } = {}): Promise<ServerProcess> {
  const port = await freePort();
  let output = "";
  const child = spawn(process.execPath, where.args ?? ["--import", "tsx", join(REPO, "server/main.ts")], {
    cwd: where.cwd ?? REPO,
    env: { ...process.env, LOG_LEVEL: "info", ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 30_000, `server on ${url} (${output.slice(-500)})`);
  return { child, url, logs: () => output };
}

export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill(signal);
  });
}

/** A real redis-server on a free loopback port, no persistence. */
export async function startRedis(): Promise<{ url: string; child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const { createClient } = await import("redis");
  await waitFor(async () => {
    const c = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
    c.on("error", () => undefined);
    await c.connect();
    await c.quit();
    return true;
  }, 10_000, "redis-server");
  return { url: `redis://127.0.0.1:${port}`, child, port };
}
