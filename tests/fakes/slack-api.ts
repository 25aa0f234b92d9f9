import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { CoachConfig } from "../../src/config.js";
import { startCoachServer, type RunningServer } from "../../server/start.js";
import { recordingLogger, tempWorkspace, type Json } from "../helpers.js";
import { waitFor } from "../processes.js";

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
}

/**
 * A fake Slack Web API on loopback: records every call the real @slack/web-api client makes
 * (form-encoded, with JSON-encoded nested fields) and every post to a response_url.
 */
export async function startFakeSlackApi(): Promise<{ url: string; calls: SlackCall[]; responses: Record<string, unknown>[]; threads: Map<string, Record<string, unknown>[]>; close: () => Promise<void> }> {
  const calls: SlackCall[] = [];
  /** Thread messages conversations.replies returns, by "channel:thread_ts" (a test sets them). */
  const threads = new Map<string, Record<string, unknown>[]>();
  const responses: Record<string, unknown>[] = [];
  const app = express();
  app.use(express.urlencoded({ extended: false, limit: "5mb" }));
  app.use(express.json({ limit: "5mb" }));
  let ts = 1000;
  app.post("/api/:method", (req, res) => {
    const body: Record<string, unknown> = { ...(req.body as Record<string, unknown>) };
    for (const key of ["blocks", "view", "prompts", "metadata", "attachments"]) {
      if (typeof body[key] === "string") body[key] = JSON.parse(body[key] as string);
    }
    const method = req.params.method!;
    calls.push({ method, body });
    const extra: Record<string, unknown> =
      method === "auth.test"
        ? { user_id: "UBOT", bot_id: "BBOT", team_id: "T1", user: "coach" }
        : method === "chat.postMessage"
          ? { ts: `${++ts}.000100`, channel: body.channel }
          : method === "conversations.replies"
            ? { messages: threads.get(`${String(body.channel)}:${String(body.ts)}`) ?? [], has_more: false }
            : method === "conversations.open"
              ? { channel: { id: `D${String(body.users ?? "").replace(/^U/u, "")}` } }
              : {};
    res.json({ ok: true, ...extra });
  });
  app.post("/respond/:id", (req, res) => {
    responses.push(req.body as Record<string, unknown>);
    res.json({ ok: true });
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    responses,
    threads,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A coach server with Slack on (HTTP mode, signed with `signingSecret`) next to a fake Slack Web
 * API, ready once /readyz says so: the set-up every Slack test file shares. `stop()` stops both
 * and removes the workspace.
 */
export async function startSlackHarness(signingSecret: string, config: Partial<CoachConfig> = {}): Promise<{ slackApi: Awaited<ReturnType<typeof startFakeSlackApi>>; running: RunningServer; dataDir: string; stop: () => Promise<void> }> {
  const ws = tempWorkspace();
  const slackApi = await startFakeSlackApi();
  const running = await startCoachServer(
    { ...ws.config, port: 0, ...config, slack: { botToken: "xoxb-test", signingSecret, appToken: null, apiUrl: `${slackApi.url}/api/` } },
    recordingLogger().logger,
    { host: "127.0.0.1", slack: { botId: "BBOT", botUserId: "UBOT" } },
  );
  await waitFor(async () => ((await (await fetch(`${running.url}/readyz`)).json()) as Json).status === "ready", 10_000, "slack ready");
  return {
    slackApi,
    running,
    dataDir: ws.dataDir,
    stop: async () => {
      await running.stop();
      await slackApi.close();
      ws.cleanup();
    },
  };
}
