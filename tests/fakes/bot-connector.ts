import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { startCoachServer, type RunningServer } from "../../server/start.js";
import { recordingLogger, tempWorkspace } from "../helpers.js";

export interface ConnectorCall {
  conversationId: string;
  replyToId: string | null;
  /** Set when the bot replaced a message it sent (PUT, `updateActivity`): that message's id. */
  updatedId: string | null;
  activity: Record<string, unknown>;
  authorization: string | undefined;
  /** The id the connector gave a new message (what a card's button presses name as `replyToId`). */
  id: string;
}

/** A fake Bot Framework connector (the Teams service) on loopback, recording what the bot sends. */
export async function startFakeConnector(): Promise<{ url: string; calls: ConnectorCall[]; close: () => Promise<void> }> {
  const calls: ConnectorCall[] = [];
  const app = express();
  app.use(express.json({ limit: "5mb" }));
  let n = 0;
  const record = (req: express.Request, fields: { replyToId: string | null; updatedId: string | null; id: string }) => {
    calls.push({ conversationId: String(req.params.conversationId), activity: req.body as Record<string, unknown>, authorization: req.headers.authorization, ...fields });
    return fields.id;
  };
  app.post("/v3/conversations/:conversationId/activities/:replyToId", (req, res) => {
    res.json({ id: record(req, { replyToId: String(req.params.replyToId), updatedId: null, id: `reply-${++n}` }) });
  });
  app.post("/v3/conversations/:conversationId/activities", (req, res) => {
    res.json({ id: record(req, { replyToId: null, updatedId: null, id: `msg-${++n}` }) });
  });
  app.put("/v3/conversations/:conversationId/activities/:activityId", (req, res) => {
    res.json({ id: record(req, { replyToId: null, updatedId: String(req.params.activityId), id: String(req.params.activityId) }) });
  });
  app.use((req, res) => res.status(404).json({ error: `fake connector has no ${req.method} ${req.path}` }));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * A coach server with Teams on, next to a fake Bot Framework connector: the set-up every Teams
 * test file shares. `stop()` stops both and removes the workspace.
 */
export async function startTeamsHarness(): Promise<{ connector: Awaited<ReturnType<typeof startFakeConnector>>; running: RunningServer; dataDir: string; stop: () => Promise<void> }> {
  const ws = tempWorkspace();
  const connector = await startFakeConnector();
  const running = await startCoachServer({ ...ws.config, port: 0, rateLimitPerMinute: 0 }, recordingLogger().logger, { host: "127.0.0.1" });
  return {
    connector,
    running,
    dataDir: ws.dataDir,
    stop: async () => {
      await running.stop();
      await connector.close();
      ws.cleanup();
    },
  };
}
