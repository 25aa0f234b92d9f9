import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoachServer, type RunningServer } from "../server/start.js";
import { recordingLogger, tempWorkspace, type Json } from "./helpers.js";
import { startFakeConnector } from "./fakes/bot-connector.js";
import { startServerProcess, stopProcess, waitFor } from "./processes.js";

/**
 * #14 items 1 and 10 (Teams): without MicrosoftAppId the bot must not POST to whatever serviceUrl
 * an activity names (SSRF); with it, a forged token is a plain 401.
 */

/** A real HTTP peer on a non-loopback-named address (127.0.0.2 is on lo, but not "localhost"): records what it receives. */
async function startOutsider(): Promise<{ port: number; received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "outsider" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
  return { port: (server.address() as AddressInfo).port, received, close: () => new Promise((r) => server.close(() => r())) };
}

let ws: ReturnType<typeof tempWorkspace>;
let connector: Awaited<ReturnType<typeof startFakeConnector>>;
let outsider: Awaited<ReturnType<typeof startOutsider>>;
let running: RunningServer;
const log = recordingLogger();

beforeAll(async () => {
  ws = tempWorkspace();
  connector = await startFakeConnector();
  outsider = await startOutsider();
  running = await startCoachServer({ ...ws.config, port: 0, teams: { appId: "", appPassword: "", tenantId: "", appType: "MultiTenant" } }, log.logger, { host: "127.0.0.1" });
});
afterAll(async () => {
  await running?.stop();
  await connector?.close();
  await outsider?.close();
  ws?.cleanup();
});

let counter = 0;
const activity = (serviceUrl: unknown, text = "What is a digital twin?") => ({
  type: "message",
  id: `sec-${++counter}-${Date.now()}`,
  timestamp: new Date().toISOString(),
  serviceUrl,
  channelId: "msteams",
  from: { id: "29:user-1", aadObjectId: "aad-user-1", name: "Ana" },
  conversation: { id: `a:sec-${counter}`, conversationType: "personal", tenantId: "tenant-1" },
  recipient: { id: "28:coach-bot", name: "Coach" },
  text,
});
const post = (body: unknown, url = running.url) => fetch(`${url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("Teams without credentials (Emulator mode) and SSRF", () => {
  it("refuses an activity whose serviceUrl is not loopback with 403 and a log line, and never contacts that host", async () => {
    const targets = [
      `http://127.0.0.2:${outsider.port}`,
      `http://0.0.0.0:${outsider.port}`,
      `http://localhost.evil-example.com:${outsider.port}`,
      `http://user:pw@localhost:${outsider.port}`,
      "http://169.254.169.254/latest/meta-data",
      "file:///etc/passwd",
      undefined,
    ];
    for (const serviceUrl of targets) {
      const res = await post(activity(serviceUrl));
      expect(res.status, String(serviceUrl)).toBe(403);
      expect(((await res.json()) as Json).error).toMatch(/loopback service URLs/u);
    }
    // A loopback activity sent after them is answered: once its answer has arrived, anything the
    // refused ones could have triggered would have arrived too.
    const since = connector.calls.length;
    expect((await post(activity(connector.url))).status).toBe(200);
    await waitFor(async () => connector.calls.length - since >= 2, 10_000, "the loopback activity's typing and answer");
    expect(outsider.received).toEqual([]);
    const refused = log.lines.filter((l) => l.code === "coach_teams_service_url_refused");
    expect(refused).toHaveLength(targets.length);
    expect(refused[0]).toMatchObject({ serviceHost: `127.0.0.2:${outsider.port}` });
  });

  it("still answers the Emulator and the Agents Playground on loopback (localhost)", async () => {
    const port = new URL(connector.url).port;
    const since = connector.calls.length;
    expect((await post(activity(`http://localhost:${port}`))).status).toBe(200);
    await waitFor(async () => connector.calls.length - since >= 2, 10_000, "answer via localhost");
  });

  it("says in /readyz that it replies only to loopback service URLs", async () => {
    const ready = (await (await fetch(`${running.url}/readyz`)).json()) as Json;
    const teams = (ready.platforms as Json[]).find((p) => p.name === "teams")!;
    expect(teams.detail).toMatch(/replies only to loopback service URLs/u);
  });

  it("answers an oversized activity with 413 naming this route's limit (256 KB)", async () => {
    const res = await post({ ...activity(connector.url), text: "x".repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Json).error).toMatch(/256 KB/u);
  });
});

describe("Teams with credentials", () => {
  it("answers a forged Bot Framework token with 401 and nothing internal; every log line is JSON", async () => {
    const server = await startServerProcess({ DATA_DIR: ws.dataDir, KNOWLEDGE_DIR: ws.knowledgeDir, MicrosoftAppId: "11111111-2222-3333-4444-555555555555", MicrosoftAppPassword: "not-a-real-secret", MicrosoftAppType: "MultiTenant" });
    try {
      const header = Buffer.from(JSON.stringify({ alg: "RS256", kid: "forged", typ: "JWT" })).toString("base64url");
      const claims = Buffer.from(JSON.stringify({ iss: "https://api.botframework.com", aud: "11111111-2222-3333-4444-555555555555", exp: Math.floor(Date.now() / 1000) + 3600, serviceurl: "http://127.0.0.2:9/" })).toString("base64url");
      const res = await fetch(`${server.url}/api/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${header}.${claims}.c2lnbmF0dXJl` },
        body: JSON.stringify(activity("http://127.0.0.2:9/")),
      });
      const body = await res.text();
      expect(res.status).toBe(401);
      expect(body).not.toMatch(/botframework|getaddrinfo|ENOTFOUND|login\.|\.js:\d+|Error:/iu);
      await waitFor(async () => /coach_teams_unauthorized/u.test(server.logs()), 10_000, "the 401 log line");
      expect((await fetch(`${server.url}/api/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(activity("http://127.0.0.2:9/")) })).status).toBe(401);
    } finally {
      await stopProcess(server.child);
    }
    const lines = server.logs().split("\n").filter((l) => l.trim());
    const notJson = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
  });
});
